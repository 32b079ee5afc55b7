// Node's tuning store: `$AEGL_CACHE_DIR/tuning.json`, else `~/.cache/aegl-gpu/tuning.json`,
// replaced atomically (another process may be tuning too).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TuningStore } from './tuner.js';

export const tuningFile: TuningStore = {
  where: () => join(process.env.AEGL_CACHE_DIR || join(homedir(), '.cache', 'aegl-gpu'), 'tuning.json'),
  read(): string | null {
    try {
      return readFileSync(this.where(), 'utf8');
    } catch {
      return null; // no cache yet
    }
  },
  write(text: string): void {
    const path = this.where();
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  },
};
