import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { RunDir } from '../src/train/run-io/run-dir.js';

const root = mkdtempSync(join(tmpdir(), 'aegl-rundir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };

function oneLineUserError(fn: () => unknown, pattern: RegExp): void {
  expect(fn).toThrow(UserError);
  expect(fn).toThrow(pattern);
  try {
    fn();
  } catch (e) {
    expect((e as Error).message).not.toContain('\n');
  }
}

describe('RunDir', () => {
  it('creates a new directory and writes config.json with settings, seed, adapter and version', () => {
    const run = RunDir.open(join(root, 'a', 'nested'));
    run.writeConfig({ dataset: 'fmnist', epochs: 12, lr: 0.05 }, { seed: 7, adapter: 'lavapipe (vulkan)' });
    const config = JSON.parse(readFileSync(run.configPath, 'utf8'));
    expect(config).toMatchObject({ version: pkg.version, seed: 7, adapter: 'lavapipe (vulkan)', settings: { dataset: 'fmnist', epochs: 12, lr: 0.05 } });
    expect(run.readConfig().settings.epochs).toBe(12);
    expect(run.checkpoint('best')).toBe(join(root, 'a', 'nested', 'best.safetensors'));
    expect(run.checkpoint('last')).toBe(join(root, 'a', 'nested', 'last.safetensors'));
  });

  it('accepts an existing empty directory', () => {
    mkdirSync(join(root, 'empty'));
    expect(RunDir.open(join(root, 'empty')).path).toBe(join(root, 'empty'));
  });

  it('refuses to overwrite a non-empty directory unless resuming, with a one-line error', () => {
    const dir = join(root, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    oneLineUserError(() => RunDir.open(dir), /not empty.*--resume/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    oneLineUserError(() => RunDir.open(dir, { resume: true }), /no config\.json/);
    oneLineUserError(() => RunDir.open(join(root, 'nowhere'), { resume: true }), /no config\.json/);
    oneLineUserError(() => RunDir.open(join(dir, 'notes.txt')), /is a file/);
  });

  it('appends one metrics line per epoch and reads them back', () => {
    const run = RunDir.open(join(root, 'metrics'));
    for (let epoch = 1; epoch <= 3; epoch++) run.appendMetrics({ epoch, trainLoss: 1 / epoch });
    expect(readFileSync(run.metricsPath, 'utf8').split('\n')).toHaveLength(4);
    expect(run.readMetrics().map((r) => r.epoch)).toEqual([1, 2, 3]);
  });

  it('on resume drops a line torn by a kill, later epochs, and stale temp files', () => {
    const dir = join(root, 'killed');
    const run = RunDir.open(dir);
    run.writeConfig({}, { seed: 0, adapter: 'x' });
    for (let epoch = 1; epoch <= 4; epoch++) run.appendMetrics({ epoch, trainLoss: epoch });
    appendFileSync(run.metricsPath, '{"epoch":5,"trainLo'); // kill -9 in the middle of a write
    writeFileSync(join(dir, '.last.safetensors.4242.mwvmuxmm.tmp'), 'half a checkpoint');

    const again = RunDir.open(dir, { resume: true });
    expect(existsSync(join(dir, '.last.safetensors.4242.mwvmuxmm.tmp'))).toBe(false);
    expect(again.readMetrics().map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    // The last checkpoint was written after epoch 3: epoch 4's line is not part of the resumed run.
    expect(again.resumeMetrics(3).map((r) => r.epoch)).toEqual([1, 2, 3]);
    again.appendMetrics({ epoch: 4, trainLoss: 40 });
    expect(readFileSync(again.metricsPath, 'utf8')).toBe(
      '{"epoch":1,"trainLoss":1}\n{"epoch":2,"trainLoss":2}\n{"epoch":3,"trainLoss":3}\n{"epoch":4,"trainLoss":40}\n',
    );
  });

  it('writes JSON atomically, replacing the previous version whole', () => {
    const run = RunDir.open(join(root, 'json'));
    run.writeJson('subset.json', { indices: [1, 2, 3] });
    run.writeJson('subset.json', { indices: [4] });
    expect(JSON.parse(readFileSync(run.file('subset.json'), 'utf8'))).toEqual({ indices: [4] });
  });
});
