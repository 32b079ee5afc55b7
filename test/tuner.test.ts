import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backward } from '../src/autograd.js';
import shippedTuning from '../src/gpu/shipped-tuning.json' with { type: 'json' };
import { adapterKey, chooseVariant, confirmShipped, pendingShapes, registerTunable, setShippedTuning, tunePending, tuningCachePath, unconfirmedShapes } from '../src/gpu/tuner.js';
import { CONV_PASSES, conv2d, convGeometry, geometryKey, tunedVariants } from '../src/ops/conv.js';
import { scale } from '../src/ops/elementwise.js';
import { matmul } from '../src/ops/matmul.js';
import { Tensor, tidy } from '../src/tensor.js';
import { randomArray, useEngine } from './helpers/gpu.js';

const engine = useEngine();
const g = convGeometry([2, 3, 9, 7], [5, 3, 3, 3], 1, 1);
const key = geometryKey(g);

let warnings: string[] = [];
beforeEach(() => {
  process.env.AEGL_CACHE_DIR = mkdtempSync(join(tmpdir(), 'aegl-tune-'));
  setShippedTuning({ adapters: [] });
  delete process.env.AEGL_TUNE;
  warnings = [];
  const write = process.stderr.write.bind(process.stderr) as (chunk: string | Uint8Array) => boolean;
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    if (String(chunk).startsWith('aegl-gpu:')) warnings.push(String(chunk));
    return write(chunk);
  }) as typeof process.stderr.write);
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => setShippedTuning(shippedTuning));

/** A shipped table for this adapter's name and backend (`name` to pretend another adapter), measured on another driver. */
function ship(choices: Record<string, Record<string, string>>, name = engine.get().gpu.summary.name): void {
  const { backend } = engine.get().gpu.summary;
  setShippedTuning({ adapters: [{ name, backend, measuredOn: 'an older driver', date: '2026-12-07', choices }] });
}

/** Runs conv2d forward and both gradients at `g` and returns the conv2d kernels it dispatched. */
async function convStep(): Promise<string[]> {
  const before = new Map(engine.get().stats.dispatchesByKernel);
  const grads = tidy(() => {
    const x = Tensor.from(randomArray(2 * 3 * 9 * 7, 1), [2, 3, 9, 7]);
    const w = Tensor.from(randomArray(5 * 27, 2), [5, 3, 3, 3]);
    x.requiresGrad = w.requiresGrad = true;
    const y = conv2d(x, w, null, { padding: 1 });
    return [...backward(y, { grad: Tensor.full(y.shape, 1), inputs: [x, w] }).values()];
  });
  await engine.get().sync();
  grads.forEach((t) => t.dispose());
  return [...engine.get().stats.dispatchesByKernel]
    .filter(([label, n]) => /^conv2d\w*\.(fwd|dgrad|wgrad)_/.test(label) && n > (before.get(label) ?? 0))
    .map(([label]) => label.slice(0, label.indexOf('(')));
}

function writeCache(adapters: Record<string, unknown>, version = 1): void {
  writeFileSync(tuningCachePath(), JSON.stringify({ version, adapters }));
}

describe('tuner', () => {
  it('tunes pending conv2d shapes once over the variants outside the lab, saves the choice and reuses it from disk', async () => {
    expect(await convStep()).toEqual(['conv2d.fwd_blocked', 'conv2d.dgrad_blocked', 'conv2d.wgrad_blocked']);
    expect(pendingShapes()).toEqual(['fwd', 'dgrad', 'wgrad'].map((p) => ({ kind: `conv2d.${p}`, key })));
    const tuned = await tunePending();
    expect(tuned.map((t) => t.kind)).toEqual(['conv2d.fwd', 'conv2d.dgrad', 'conv2d.wgrad']);
    for (const [i, t] of tuned.entries()) {
      expect(Object.keys(t.choice.ms)).toEqual(tunedVariants(CONV_PASSES[i], g));
      expect(t.choice.ms[t.choice.variant]).toBe(Math.min(...(Object.values(t.choice.ms) as number[])));
    }
    const saved = JSON.parse(readFileSync(tuningCachePath(), 'utf8'));
    expect(saved.adapters[adapterKey()]['conv2d.wgrad'][key].variant).toBe(tuned[2].choice.variant);
    expect(pendingShapes()).toEqual([]);

    // A cache written by an earlier run, choosing other variants, is what runs now.
    // A fresh cache location stands for a later process: its file is read from disk.
    process.env.AEGL_CACHE_DIR = mkdtempSync(join(tmpdir(), 'aegl-tune-'));
    const chosen = (variant: string) => ({ [key]: { variant, ms: { blocked: 2, [variant]: 1 } } });
    writeCache({ [adapterKey()]: { 'conv2d.fwd': chosen('packed'), 'conv2d.dgrad': chosen('adjacent-wide'), 'conv2d.wgrad': chosen('rows') } });
    expect(await convStep()).toEqual(['conv2d_packed.fwd_packed', 'conv2d.dgrad_adjacent', 'conv2d.wgrad_rows']);
    expect(pendingShapes()).toEqual([]);
    expect(await tunePending()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('runs the default, and tunes again, where the cache chose a lab variant', async () => {
    const tiled = { [key]: { variant: 'tiled', ms: { blocked: 2, tiled: 1 } } };
    writeCache({ [adapterKey()]: { 'conv2d.fwd': tiled, 'conv2d.dgrad': tiled, 'conv2d.wgrad': tiled } });
    expect(await convStep()).toEqual(['conv2d.fwd_blocked', 'conv2d.dgrad_blocked', 'conv2d.wgrad_blocked']);
    expect(pendingShapes().length).toBe(3);
    for (const t of await tunePending()) expect(t.choice.ms).not.toHaveProperty('tiled');
  });

  it('runs shipped choices at once, without tuning, and confirms them within a time budget', async () => {
    ship({ 'conv2d.fwd': { [key]: 'packed' }, 'conv2d.dgrad': { [key]: 'adjacent-wide' }, 'conv2d.wgrad': { [key]: 'rows' } });
    expect(await convStep()).toEqual(['conv2d_packed.fwd_packed', 'conv2d.dgrad_adjacent', 'conv2d.wgrad_rows']);
    expect(pendingShapes()).toEqual([]);
    expect(unconfirmedShapes().length).toBe(3);
    expect(await confirmShipped(0)).toEqual([]);
    const confirmed = await confirmShipped(Infinity);
    expect(confirmed.map((c) => [c.kind, c.shipped])).toEqual([['conv2d.fwd', 'packed'], ['conv2d.dgrad', 'adjacent-wide'], ['conv2d.wgrad', 'rows']]);
    expect(unconfirmedShapes()).toEqual([]);
    // From now on this machine's measurements decide, shipped table or not.
    const saved = JSON.parse(readFileSync(tuningCachePath(), 'utf8')).adapters[adapterKey()];
    expect(saved['conv2d.fwd'][key].variant).toBe(confirmed[0].choice.variant);
    setShippedTuning({ adapters: [] });
    expect(chooseVariant('conv2d.fwd', key, tunedVariants('fwd', g), 'blocked')).toBe(confirmed[0].choice.variant);
  });

  it('ignores choices shipped for another adapter, and shipped lab variants', async () => {
    ship({ 'conv2d.fwd': { [key]: 'packed' } }, 'some other GPU');
    expect(chooseVariant('conv2d.fwd', key, tunedVariants('fwd', g), 'blocked')).toBe('blocked');
    ship({ 'conv2d.fwd': { [key]: 'tiled' } });
    expect(chooseVariant('conv2d.fwd', key, tunedVariants('fwd', g), 'blocked')).toBe('blocked');
    expect(unconfirmedShapes()).toEqual([]);
    expect(pendingShapes()).toEqual([{ kind: 'conv2d.fwd', key }]);
    await tunePending();
  });

  it('shares one conv2d choice between batches in the same power-of-two bucket', () => {
    const at = (n: number) => geometryKey(convGeometry([n, 16, 32, 32], [16, 16, 3, 3], 1, 1));
    expect(at(128)).toBe('128x16x32x32-k16x3x3-s1p1');
    expect(at(137)).toBe(at(256));
    expect(at(9)).toBe(at(16));
    expect(at(9)).not.toBe(at(17));
    expect(at(1)).toBe('1x16x32x32-k16x3x3-s1p1');
  });

  it('tunes matmul shapes too', async () => {
    tidy(() => matmul(Tensor.from(randomArray(6 * 5, 1), [5, 6]), Tensor.from(randomArray(5 * 7, 2), [7, 5]), { transA: true, transB: true }));
    expect(pendingShapes()).toEqual([{ kind: 'matmul', key: 'm6k5n7-ta-tb' }]);
    const [tuned] = await tunePending();
    expect(Object.keys(tuned.choice.ms)).toEqual(['blocked', 'tiled']);
    expect(chooseVariant('matmul', 'm6k5n7-ta-tb', ['blocked', 'tiled'], 'blocked')).toBe(tuned.choice.variant);
  });

  it('ignores another adapter’s choices', async () => {
    const tiled = { variant: 'tiled', ms: {} };
    writeCache({ 'some other GPU | metal | driver 1': { 'conv2d.fwd': { [key]: tiled } } });
    expect(chooseVariant('conv2d.fwd', key, ['blocked', 'tiled'], 'blocked')).toBe('blocked');
    expect(pendingShapes()).toEqual([{ kind: 'conv2d.fwd', key }]);
    await tunePending();
    const saved = JSON.parse(readFileSync(tuningCachePath(), 'utf8'));
    expect(Object.keys(saved.adapters).sort()).toEqual([adapterKey(), 'some other GPU | metal | driver 1'].sort());
  });

  for (const [what, text] of [
    ['unparsable', '{"version": 1, "adapt'],
    ['of another version', JSON.stringify({ version: 0, adapters: {} })],
    ['malformed', JSON.stringify({ version: 1, adapters: { x: { 'conv2d.fwd': { k: 'tiled' } } } })],
  ]) {
    it(`warns once about a cache that is ${what}, ignores it and replaces it`, async () => {
      writeFileSync(tuningCachePath(), text);
      expect(chooseVariant('conv2d.fwd', key, ['blocked', 'tiled'], 'blocked')).toBe('blocked');
      expect(chooseVariant('conv2d.dgrad', key, ['blocked', 'tiled'], 'blocked')).toBe('blocked');
      expect(warnings.length).toBe(1);
      expect(warnings[0]).toContain(tuningCachePath());
      expect(warnings[0].trim().split('\n').length).toBe(1);
      await tunePending();
      expect(JSON.parse(readFileSync(tuningCachePath(), 'utf8')).version).toBe(1);
    });
  }

  it('never chooses a variant whose output disagrees with the default', async () => {
    // 'wrong' is the fastest (one dispatch) but computes 3x instead of 2x; 'slow' is right but takes
    // 40 dispatches; 'fast' is right and as quick as 'wrong'.
    registerTunable('test.double', ['slow', 'wrong', 'fast'], () => ({
      inputs: [[1 << 18]],
      run: (variant, [x]) => {
        if (variant === 'wrong') return scale(x, 3);
        if (variant === 'fast') return scale(x, 2);
        let y = scale(x, 2);
        for (let i = 0; i < 40; i++) y = scale(y, 1);
        return y;
      },
    }));
    expect(chooseVariant('test.double', 'n', ['slow', 'wrong', 'fast'], 'slow')).toBe('slow');
    const [tuned] = await tunePending();
    expect(tuned.choice.ms.wrong).toBeNull();
    expect(tuned.choice.variant).toBe('fast');
    expect(chooseVariant('test.double', 'n', ['slow', 'wrong', 'fast'], 'slow')).toBe('fast');
  });

  it('times the variants in interleaved rounds, so that a slow spell of the machine falls on all of them', async () => {
    const runs: string[] = [];
    registerTunable('test.rounds', ['a', 'b'], () => ({
      inputs: [[1024]],
      run: (variant, [x]) => {
        runs.push(variant);
        return scale(x, 2);
      },
    }));
    chooseVariant('test.rounds', 'n', ['a', 'b'], 'a');
    await tunePending();
    // Runs of one variant in a row collapsed: the check and first timing of each, then three rounds.
    expect(runs.filter((v, i) => v !== runs[i - 1])).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('AEGL_TUNE=0 runs the defaults and tunes nothing', async () => {
    process.env.AEGL_TUNE = '0';
    expect(chooseVariant('conv2d.fwd', 'never-seen', ['blocked', 'tiled'], 'tiled')).toBe('tiled');
    expect(pendingShapes()).toEqual([]);
    expect(await tunePending()).toEqual([]);
  });
});
