// The aegl-gpu command line in a child process, as a user runs it (through vite-node, so the
// tests need no build): its stdout and stderr, exit code and signal.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
const viteNode = join(REPO_ROOT, 'node_modules', '.bin', 'vite-node');

export interface CliResult {
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived (for failure messages). */
  output: string;
  code: number | null;
  signal: string | null;
}

/** Runs `aegl-gpu ...args`; with killWhen, SIGKILLs it as soon as killWhen(output so far) is true (polled every 20 ms). */
export function runCli(args: string[], { killWhen }: { killWhen?: (output: string) => boolean } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(viteNode, [join(REPO_ROOT, 'src', 'cli.ts'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const r: CliResult = { stdout: '', stderr: '', output: '', code: null, signal: null };
    proc.stdout.on('data', (c: Buffer) => ((r.stdout += c.toString()), (r.output += c.toString())));
    proc.stderr.on('data', (c: Buffer) => ((r.stderr += c.toString()), (r.output += c.toString())));
    const poll = killWhen ? setInterval(() => killWhen(r.output) && proc.kill('SIGKILL'), 20) : undefined;
    proc.on('error', reject);
    // 'close' comes after the exit and after both pipes are drained.
    proc.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({ ...r, code, signal });
    });
  });
}

/** A killWhen that fires once `path` exists. */
export const whenExists = (path: string) => () => existsSync(path);
