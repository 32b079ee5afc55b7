// The training loop end to end on a tiny dataset: the run directory's files, an interrupted run
// resumed to the same parameters as an uninterrupted one, evaluation, and one-line errors.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { resolveSettings } from '../src/train/loop/config.js';
import { evaluateCheckpoint } from '../src/train/commands/eval.js';
import { readSafetensors } from '../src/train/run-io/safetensors.js';
import { train } from '../src/train/commands/train.js';
import { useEngine } from './helpers/gpu.js';
import { writeTinyFashion } from './helpers/tiny-dataset.js';

useEngine();
const data = writeTinyFashion();
const runs = mkdtempSync(join(tmpdir(), 'aegl-runs-'));
const flags = { dataset: 'fmnist' as const, dataDir: data, imbalance: 0.25, epochs: 2, batchSize: 16, lr: 0.05, seed: 3 };
const quiet = { log: () => {} };

describe('aegl-gpu train on a tiny dataset', () => {
  it('writes config, metrics, checkpoints, the subset and a report', async () => {
    const r = await train(flags, { out: join(runs, 'full'), ...quiet });
    expect(r.interrupted).toBe(false);
    for (const f of ['config.json', 'metrics.jsonl', 'best.safetensors', 'last.safetensors', 'subset.json', 'report.md', 'per-class-accuracy.svg']) {
      expect(existsSync(join(r.dir, f)), f).toBe(true);
    }
    const lines = readFileSync(join(r.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    expect(lines[1].test.total).toBe(60);
    expect(JSON.parse(readFileSync(join(r.dir, 'subset.json'), 'utf8')).counts).toEqual(r.trainCounts);
    const csv = readFileSync(join(r.dir, 'metrics.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(csv[0].slice(0, 7)).toEqual(['epoch', 'lr', 'train_loss', 'seconds', 'images_per_second', 'test_top1', 'test_head']);
    expect(csv[0]).toContain('test_class9');
    expect(csv.slice(1).map((row) => Number(row[0]))).toEqual([1, 2]);
    expect(Number(csv[2][csv[0].indexOf('test_top1')])).toBeCloseTo(lines[1].test.top1, 10);
    const ckpt = readSafetensors(join(r.dir, 'last.safetensors'));
    expect(ckpt.tensors.get('conv1.weight')?.shape).toEqual([32, 1, 3, 3]);
    expect(ckpt.tensors.get('bn1.num_batches_tracked')?.dtype).toBe('I64');
    const ev = await evaluateCheckpoint({ checkpoint: join(r.dir, 'last.safetensors'), dataset: 'fmnist', dataDir: data });
    expect(ev.top1).toBeCloseTo(r.last.top1, 6);
  });

  it('an interrupted run resumed gives the parameters of an uninterrupted one', async () => {
    const stop = new AbortController();
    const cut = await train(flags, {
      out: join(runs, 'cut'),
      ...quiet,
      signal: stop.signal,
      onStep: (epoch, step) => epoch === 0 && step === 1 && stop.abort(),
    });
    expect(cut.interrupted).toBe(true);
    const resumed = await train({}, { resume: cut.dir, ...quiet });
    expect(resumed.interrupted).toBe(false);
    const a = readSafetensors(join(runs, 'full', 'last.safetensors')).tensors;
    const b = readSafetensors(join(cut.dir, 'last.safetensors')).tensors;
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, t] of a) expect(Array.from(b.get(name)!.data as Float32Array), name).toEqual(Array.from(t.data as Float32Array));
  });

  it('a run killed before its first checkpoint: --resume starts it again in place, --out reuses its directory; both end as an uninterrupted run', async () => {
    const full = readSafetensors(join(runs, 'full', 'last.safetensors')).tensors;
    const sameAsFull = (dir: string) => {
      const got = readSafetensors(join(dir, 'last.safetensors')).tensors;
      for (const [name, t] of full) expect(Array.from(got.get(name)!.data as Float32Array), `${dir} ${name}`).toEqual(Array.from(t.data as Float32Array));
    };
    // What a start killed in its first epoch leaves: config.json and subset.json, nothing else.
    for (const [name, via] of [['early-resume', 'resume'], ['early-out', 'out']] as const) {
      const dir = join(runs, name);
      mkdirSync(dir);
      for (const f of ['config.json', 'subset.json']) copyFileSync(join(runs, 'full', f), join(dir, f));
      const r = via === 'resume' ? await train({}, { resume: dir, ...quiet }) : await train(flags, { out: dir, ...quiet });
      expect(r.interrupted).toBe(false);
      expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
      sameAsFull(dir);
    }
    const foreign = join(runs, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await expect(train(flags, { out: foreign, ...quiet })).rejects.toThrow(/--out .*foreign is not empty/);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('--resume refuses a flag that conflicts with the run\'s config.json, naming it; AEGL without --init is refused', async () => {
    await expect(train({ epochs: 5 }, { resume: join(runs, 'full'), ...quiet })).rejects.toThrow(/--resume .*full: --epochs 5 conflicts with the run's 2/);
    await expect(train({ lr: '0.1' }, { resume: join(runs, 'full'), ...quiet })).rejects.toThrow(/--lr 0.1 conflicts with the run's 0.05/);
    await expect(train({ ...flags, method: 'aegl' }, { out: join(runs, 'aegl-no-init'), ...quiet })).rejects.toThrow(/--method aegl fine-tunes a stage-1 model: give --init/);
  });

  it('bad flags and unreadable checkpoints are one-line UserErrors naming them', async () => {
    expect(() => resolveSettings({ epochs: 'ten' })).toThrow(/--epochs ten/);
    expect(() => resolveSettings({ method: 'focal' })).toThrow(/--method focal/);
    expect(() => resolveSettings({ imbalance: 2 })).toThrow(/--imbalance 2/);
    const bad = join(runs, 'broken.safetensors');
    writeFileSync(bad, 'not a checkpoint');
    await expect(train({ ...flags, init: bad }, { out: join(runs, 'bad-init'), ...quiet })).rejects.toThrow(UserError);
    await expect(train(flags, { out: join(runs, 'full'), ...quiet })).rejects.toThrow(/not empty/);
  });
});
