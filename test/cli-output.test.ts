// What every command prints around its work: no native Dawn warnings, one error style and exit
// status for every user mistake (commander's own included), and --version.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './helpers/cli.js';

describe('command-line output', () => {
  // Node gives a child socket pairs for 'pipe' stdio, which /proc cannot reopen (the filter then
  // steps aside); a user's terminal, file or shell pipe can be: stderr goes to a file here.
  const withStderrInFile = (args: string[]) => {
    const log = join(mkdtempSync(join(tmpdir(), 'aegl-stderr-')), 'stderr.log');
    const fd = openSync(log, 'w');
    const r = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'vite-node'), args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', fd] });
    closeSync(fd);
    return { status: r.status, stdout: r.stdout, stderr: readFileSync(log, 'utf8') };
  };

  it('info prints the adapter without Dawn\'s "artificially reduced" limit warnings', () => {
    const r = withStderrInFile([join(REPO_ROOT, 'src', 'cli.ts'), 'info', '--brief']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^adapter: /m);
    expect(r.stderr).not.toMatch(/artificially reduced/);
  });

  it('passes on what native code writes to stderr, except the known-harmless limit warnings', () => {
    // fd 2 written directly, as Dawn's logger does, while the filter is in place.
    const script = `
      import { writeSync } from 'node:fs';
      import { withNativeStderrFiltered } from '${join(REPO_ROOT, 'src', 'gpu', 'native-stderr.ts')}';
      await withNativeStderrFiltered(async () => {
        writeSync(2, 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\\n');
        writeSync(2, 'a real native error\\n');
      });
      process.stderr.write('after\\n');`;
    const file = join(mkdtempSync(join(tmpdir(), 'aegl-stderr-')), 'write-fd2.ts');
    writeFileSync(file, script);
    const r = withStderrInFile([file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('a real native error\nafter\n');
  });

  it('reports every usage mistake as one "aegl-gpu: …" line with exit status 2', async () => {
    for (const [args, message] of [
      [['train', '--bogus'], /^aegl-gpu: unknown option '--bogus' \(see --help\)\n$/],
      [['train', '--lr'], /^aegl-gpu: option '--lr <lr>' argument missing/],
      [['nosuch'], /^aegl-gpu: unknown command 'nosuch'/],
      [['eval'], /^aegl-gpu: required option '--checkpoint <file>' not specified/],
      [['train', '--epochs', 'two'], /^aegl-gpu: --epochs two: /],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code, r.output).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('--version prints package.json\'s version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
  });
});
