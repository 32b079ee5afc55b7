// The npm package as a user gets it: `npm pack`, installed into an empty folder (dependencies from
// npm's cache, which `npm ci` filled), then its `aegl-gpu` runs. The tarball holds what runs —
// bin, dist, shaders, README, LICENSE — and no tests, bench suite or results.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

describe('npm package', () => {
  it('packs what runs, installs into an empty folder, and its aegl-gpu answers info, --help and --version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegl-pack-'));
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { filename: string; files: { path: string }[] }[];
    const tops = new Set(packed.files.map((f) => f.path.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'package.json', 'shaders']);
    expect(packed.files.some((f) => f.path === 'dist/cli.js')).toBe(true);
    expect(packed.files.some((f) => f.path.startsWith('shaders/') && f.path.endsWith('.wgsl'))).toBe(true);

    const app = join(dir, 'app');
    execFileSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed.filename)], { cwd: app, stdio: 'ignore' });
    const cli = join(app, 'node_modules', '.bin', 'aegl-gpu');
    const run = (args: string[]) => spawnSync(cli, args, { cwd: app, encoding: 'utf8' });
    const info = run(['info', '--brief']);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/^adapter: .*\nbackend: /);
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['train', 'eval', 'predict', 'report', 'sweep']) expect(help.stdout).toContain(`  ${command} `);
    expect(run(['--version']).stdout.trim()).toBe(JSON.parse(execFileSync('npm', ['pkg', 'get', 'version'], { cwd: REPO_ROOT, encoding: 'utf8' })));
    // The bench is a development tool: one line saying where it runs.
    const bench = run(['bench']);
    expect(bench.status).toBe(2);
    expect(bench.stderr).toMatch(/^aegl-gpu: bench runs from a clone of the repository/);
  });
});
