// The run directory: config.json (every setting, the seed, the adapter, the package version),
// metrics.jsonl (one JSON line per epoch, appended and fsynced so a kill keeps earlier lines),
// checkpoints and the report. A fresh run refuses a non-empty directory; --resume reopens one.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../errors.js';
import { writeFileAtomic } from './atomic-write.js';

const CONFIG = 'config.json';
const METRICS = 'metrics.jsonl';

/** The files of a run directory that other modules name. */
export const RUN_FILES = {
  config: CONFIG,
  resume: 'resume.safetensors',
  /** metrics.jsonl flattened, one row per epoch. */
  metricsCsv: 'metrics.csv',
  subset: 'subset.json',
  predictions: 'predictions.json',
  /** Written when the run completes: its presence marks a finished run. */
  result: 'result.json',
} as const;
/** What a run writes before its first resume checkpoint: a directory holding only these is a killed start. */
const BEFORE_FIRST_CHECKPOINT = new Set([CONFIG, METRICS, RUN_FILES.metricsCsv, RUN_FILES.subset, RUN_FILES.predictions, 'best.safetensors', 'last.safetensors']);
/** Temp files of writeFileAtomic: `.<name>.<pid>.<time>.tmp`, left behind only by a killed writer. */
const STALE_TEMP = /^\..+\.\d+\.[0-9a-z]+\.tmp$/;

/** The version in package.json (same relative place from src/train/run-io and dist/train/run-io). */
export function packageVersion(): string {
  const path = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

export interface RunContext {
  seed: number;
  /** The adapter description (e.g. from describeEngine(…, true)). */
  adapter: string;
}

export class RunDir {
  private constructor(readonly path: string) {}

  /**
   * Opens `path` for a new run (created if missing; refused when it holds anything but what a run
   * killed before its first checkpoint wrote, which is cleared) or, with resume, an existing run
   * directory (refused when it has no config.json).
   */
  static open(path: string, { resume = false } = {}): RunDir {
    const dir = resolve(path);
    const exists = existsSync(dir);
    if (exists && !statSync(dir).isDirectory()) throw new UserError(`${path} is a file, not a run directory`);
    if (resume) {
      if (!exists || !existsSync(join(dir, CONFIG))) throw new UserError(`--resume ${path}: no ${CONFIG} there, so it is not a run directory`);
      for (const f of readdirSync(dir)) if (STALE_TEMP.test(f)) rmSync(join(dir, f), { force: true });
      return new RunDir(dir);
    }
    const entries = exists ? readdirSync(dir) : [];
    if (entries.length > 0) {
      if (!entries.every((f) => BEFORE_FIRST_CHECKPOINT.has(f) || STALE_TEMP.test(f))) {
        throw new UserError(`--out ${path} is not empty; choose another directory or continue that run with --resume ${path}`);
      }
      for (const f of entries) rmSync(join(dir, f), { force: true });
    }
    mkdirSync(dir, { recursive: true });
    return new RunDir(dir);
  }

  file(name: string): string {
    return join(this.path, name);
  }

  get configPath(): string {
    return this.file(CONFIG);
  }

  get metricsPath(): string {
    return this.file(METRICS);
  }

  /** True once the run has written a resume checkpoint (at the end of its first epoch, or on a stop). */
  get hasCheckpoint(): boolean {
    return existsSync(this.file(RUN_FILES.resume));
  }

  get reportPath(): string {
    return this.file('report.md');
  }

  checkpoint(which: 'best' | 'last'): string {
    return this.file(`${which}.safetensors`);
  }

  /** Writes a text file of the run atomically. */
  writeText(name: string, text: string): void {
    writeFileAtomic(this.file(name), text);
  }

  /** Writes a JSON file atomically (pretty-printed unless `compact`, newline-terminated). */
  writeJson(name: string, value: unknown, { compact = false } = {}): void {
    this.writeText(name, `${JSON.stringify(value, null, compact ? undefined : 2)}\n`);
  }

  /** A JSON file of the run directory; null when it is not there. */
  readJson<T>(name: string): T | null {
    const path = this.file(name);
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (e) {
      throw new UserError(`cannot read ${path}: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  /** config.json: every setting plus what is needed to reproduce the run. */
  writeConfig(settings: Record<string, unknown>, context: RunContext): void {
    this.writeJson(CONFIG, {
      package: 'aegl-gpu',
      version: packageVersion(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      created: new Date().toISOString(),
      seed: context.seed,
      adapter: context.adapter,
      settings,
    });
  }

  readConfig(): { version: string; seed: number; adapter: string; settings: Record<string, unknown> } {
    try {
      return JSON.parse(readFileSync(this.configPath, 'utf8'));
    } catch (e) {
      throw new UserError(`cannot read ${this.configPath}: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  /** Appends one line to metrics.jsonl and fsyncs, so it survives a kill that follows. */
  appendMetrics(record: object): void {
    const fd = openSync(this.metricsPath, 'a');
    try {
      writeSync(fd, `${JSON.stringify(record)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** The complete lines of metrics.jsonl; a line torn by a kill mid-append is dropped. */
  readMetrics<T extends { epoch: number }>(): T[] {
    if (!existsSync(this.metricsPath)) return [];
    const records: T[] = [];
    for (const line of readFileSync(this.metricsPath, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        break; // only the last line can be torn: nothing after it was written
      }
    }
    return records;
  }

  /**
   * On resume from a checkpoint taken after `epoch`: keeps the records up to that epoch (drops a
   * torn line and epochs the checkpoint does not include), rewrites the file atomically, and
   * returns them (e.g. for BestLast.fromRecords).
   */
  resumeMetrics<T extends { epoch: number }>(epoch: number): T[] {
    const kept = this.readMetrics<T>().filter((r) => r.epoch <= epoch);
    writeFileAtomic(this.metricsPath, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return kept;
  }
}
