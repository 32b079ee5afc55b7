import { describe, expect, it } from 'vitest';
import { backward } from '../src/autograd.js';
import { initEngine } from '../src/gpu/engine.js';
import { conv2d, convGeometry, convVariants, reusingPackedWeights } from '../src/ops/conv.js';
import { CONV_KERNELS } from '../src/ops/conv-variants.js';
import { Tensor, tidy, withRowCapacity } from '../src/tensor.js';
import { awkward, check, combos, label, layers, shaderConstants, type Variants } from './helpers/conv-cases.js';
import { randomArray, useEngine } from './helpers/gpu.js';

process.env.AEGL_TUNE = '0'; // variants are named explicitly here; the tuner has its own test
// Open now, not in beforeAll: which variants run a shape depends on the device (the subgroup
// kernels need subgroups), and the cases below are listed when the file loads.
await initEngine();
const engine = useEngine();

// Dispatches so far of conv kernels whose entry point starts with `entry`, in shaders/conv2d*.wgsl:
// conv2d.dgrad_blocked(…), conv2d_packed.dgrad_packed(…), conv2d_packed.pack_weights(…)…
const count = (entry: string) =>
  [...engine.get().stats.dispatchesByKernel].filter(([label]) => /^conv2d(_\w+)?\./.test(label) && label.split('.')[1].startsWith(entry)).reduce((s, [, v]) => s + v, 0);

describe('conv2d matches the float64 reference: forward, ∂x, ∂w, ∂b', () => {
  it('a device with subgroups of 8 lanes or more gets the subgroup variants (lavapipe has 8)', () => {
    const g = convGeometry([2, 16, 32, 32], [16, 16, 3, 3], 1, 1);
    const subgroups = engine.get().gpu.subgroupMinSize >= 8;
    expect(convVariants('fwd', g).includes('subgroup')).toBe(subgroups);
    expect(convVariants('dgrad', g).includes('adjacent-subgroup')).toBe(subgroups);
    expect(convVariants('wgrad', g).includes('rows-wide-subgroup')).toBe(subgroups);
  });
  for (const d of awkward) for (const v of combos(d)) it(`${label(v)}: awkward ${JSON.stringify(d)}`, () => check(d, v));
  for (const [name, d] of layers) for (const v of combos(d)) it(`${label(v)}: ${name}`, () => check(d, v, true));
});

describe('clustered kernels take fewer lanes per workgroup where a small batch would leave threads idle', () => {
  // Dispatches of the clustered kernels so far, by lanes per workgroup.
  const lanes = () => {
    const byWg = new Map<number, number>();
    for (const [label, count] of engine.get().stats.dispatchesByKernel) {
      const wg = /^conv2d(_dgrad)?_subgroup\..*\bWG=(\d+)/.exec(label)?.[2];
      if (wg) byWg.set(Number(wg), (byWg.get(Number(wg)) ?? 0) + count);
    }
    return byWg;
  };
  const ranSince = (before: Map<number, number>) => [...lanes()].filter(([size, count]) => count !== (before.get(size) ?? 0)).map(([size]) => size);

  // The float64 checks above run batches of 1–3, where these kernels mostly take workgroups of one
  // cluster (8 lanes); 16 images of 32×32 give every one of them 4 or more workgroups of 64.
  const d = { n: 16, c: 4, h: 32, w: 32, k: 8, r: 3, s: 3, stride: 1, pad: 1, bias: false };
  for (const v of combos(d).filter((v) => CONV_KERNELS.fwd[v.fwd].clusters || CONV_KERNELS.dgrad[v.dgrad].clusters)) {
    it(`${label(v)}: 16 images of 32×32 in workgroups of 64 lanes, against the float64 reference`, async () => {
      const before = lanes();
      await check(d, v, true);
      expect(ranSince(before)).toEqual([64]);
    });
  }

  // Forward and input gradient of a c→c layer at h×h on n images, under AEGL's row capacity: the
  // lanes per workgroup its clustered dispatches took.
  function lanesOf(n: number, c: number, h: number, variants: { fwd: string; dgrad: string }): number[] {
    const before = lanes();
    withRowCapacity([n], 8, () =>
      tidy(() => {
        const w = Tensor.from(randomArray(c * c * 9, 7), [c, c, 3, 3]);
        const x = Tensor.from(randomArray(n * c * h * h, n), [n, c, h, h]);
        x.requiresGrad = true;
        const y = conv2d(x, w, null, { padding: 1, variants });
        backward(y, { grad: y, inputs: [x] });
      }),
    );
    return ranSince(before);
  }

  it("shrinks ResNet-32's 64-channel layer for AEGL's attacked rows, and sizes by the rows the buffers have room for", async () => {
    // 64→64 at 8×8, 16 channels a dispatch: an image is one cluster of 8 lanes (one per row), so
    // 9–16 images would be 2 workgroups of 64 lanes, and take one workgroup per cluster instead.
    const deep = { fwd: 'subgroup-quad', dgrad: 'adjacent-quad-subgroup' };
    expect(lanesOf(128, 64, 8, deep)).toEqual([64]);
    expect(lanesOf(9, 64, 8, deep)).toEqual([8]);
    const built = engine.get().kernels.pipelinesBuilt;
    expect(lanesOf(14, 64, 8, deep)).toEqual([8]);
    expect(engine.get().kernels.pipelinesBuilt).toBe(built);
    // 32→32 at 16×16: an image is 8 clusters. 3 images alone would be 3 workgroups and shrink;
    // the buffers have room for 8, 8 workgroups, which keep 64 lanes.
    expect(lanesOf(3, 32, 16, { fwd: 'subgroup-quad', dgrad: 'subgroup-quad' })).toEqual([64]);
    await engine.get().sync();
  });
});

describe('conv2d runs only the gradient kernels that are asked for', () => {

  async function gradientsOf(which: 'x' | 'params', variants: Variants): Promise<Record<string, number>> {
    const before = Object.fromEntries(['dgrad', 'wgrad', 'sum_splits', 'bias_grad'].map((k) => [k, count(k)]));
    const grads = tidy(() => {
      const x = Tensor.from(randomArray(2 * 3 * 9 * 9, 1), [2, 3, 9, 9]);
      const w = Tensor.from(randomArray(4 * 3 * 9, 2), [4, 3, 3, 3]);
      const b = Tensor.from(randomArray(4, 3), [4]);
      for (const t of [x, w, b]) t.requiresGrad = true;
      const y = conv2d(x, w, b, { padding: 1, variants });
      const map = backward(y, { grad: Tensor.full(y.shape, 1), inputs: which === 'x' ? [x] : [w, b] });
      return [...map.values()];
    });
    await engine.get().sync();
    grads.forEach((t) => t.dispose());
    return Object.fromEntries(Object.entries(before).map(([k, v]) => [k, count(k) - v]));
  }

  for (const v of combos({ n: 2, c: 3, h: 9, w: 9, k: 4, r: 3, s: 3, stride: 1, pad: 1 })) {
    it(`${label(v)}: ∂L/∂x alone runs no weight- or bias-gradient kernel`, async () => {
      expect(await gradientsOf('x', v)).toEqual({ dgrad: 1, wgrad: 0, sum_splits: 0, bias_grad: 0 });
    });
    it(`${label(v)}: ∂L/∂w and ∂L/∂b alone run no input-gradient kernel`, async () => {
      expect(await gradientsOf('params', v)).toEqual({ dgrad: 0, wgrad: 1, sum_splits: 1, bias_grad: 1 });
    });
  }
});

describe('kernels that hold a kernel row in registers run only rows that fit', () => {
  // S·CV weight vec4s per row, in arrays of WS: CV = 4 (the quad variants) takes kernels up to 4 wide.
  it('declines kernels wider than its row array, on this device', () => {
    for (const s of [3, 4, 5, 8]) {
      const g = convGeometry([2, 8, 16, 16], [8, 8, 1, s], 1, 1);
      for (const pass of ['fwd', 'dgrad'] as const) {
        for (const name of convVariants(pass, g)) {
          const v = CONV_KERNELS[pass][name];
          const ws = shaderConstants(v.shader).WS;
          if (ws !== undefined) expect(s * v.cv, `${pass} ${name} with S = ${s}`).toBeLessThanOrEqual(ws);
        }
      }
    }
    const wide = convGeometry([2, 8, 16, 16], [8, 8, 1, 5], 1, 1);
    expect(convVariants('fwd', wide)).toContain('subgroup');
    expect(convVariants('fwd', wide)).not.toContain('subgroup-quad');
  });
});

describe('kernels read through a uniform binding run only shapes whose kernel block fits 64 KiB', () => {
  // One block holds 4·CV produced channels × summed channels × 3 × 3 taps as vec4s, rounded up to
  // 16 vec4s: CV = 2 fits up to 227 summed channels (4086 → 4096 vec4s), CV = 1 up to 455.
  const geometry = (cin: number, k: number, stride: number) => convGeometry([1, cin, 8, 8], [k, cin, 3, 3], stride, 1);
  it('the forward sums over the input channels', () => {
    expect(convVariants('fwd', geometry(227, 8, 1))).toEqual(expect.arrayContaining(['packed', 'packed16']));
    expect(convVariants('fwd', geometry(228, 8, 1))).not.toContain('packed');
    expect(convVariants('fwd', geometry(228, 8, 1))).not.toContain('packed16');
  });
  it('the input gradient sums over the output channels', () => {
    expect(convVariants('dgrad', geometry(8, 227, 1))).toEqual(expect.arrayContaining(['packed', 'adjacent-wide', 'adjacent']));
    expect(convVariants('dgrad', geometry(8, 228, 1))).not.toContain('packed');
    expect(convVariants('dgrad', geometry(8, 228, 2))).not.toContain('adjacent-wide');
    expect(convVariants('dgrad', geometry(8, 228, 2))).not.toContain('adjacent-wide16');
    expect(convVariants('dgrad', geometry(8, 455, 2))).toEqual(expect.arrayContaining(['adjacent', 'adjacent16']));
    expect(convVariants('dgrad', geometry(8, 456, 2))).toEqual(['blocked', 'wide', 'tiled']);
  });
});

describe('reusingPackedWeights packs each weight once per layout', () => {
  const packs = () => count('pack_weights');
  // Three forwards and one input gradient of the same weights, as AEGL's attack runs them.
  async function uses(reuse: boolean): Promise<{ packs: number; values: Float32Array[] }> {
    const before = packs();
    const record = () =>
      tidy(() => {
        const w = Tensor.from(randomArray(16 * 16 * 9, 5), [16, 16, 3, 3]);
        const outs = [1, 2, 3].map((seed) => {
          const x = Tensor.from(randomArray(2 * 16 * 8 * 8, seed), [2, 16, 8, 8]);
          x.requiresGrad = true;
          const y = conv2d(x, w, null, { padding: 1, variants: { fwd: 'packed', dgrad: 'packed' } });
          return seed === 3 ? backward(y, { grad: Tensor.full(y.shape, 1), inputs: [x] }).get(x)! : y;
        });
        return outs.map((t) => t.keep());
      });
    const outs = reuse ? reusingPackedWeights(record) : record();
    const values = (await Promise.all(outs.map((t) => t.read()))) as Float32Array[];
    outs.forEach((t) => t.dispose());
    return { packs: packs() - before, values };
  }

  it('with the same results, and gives the packed kernels back to the pool when it returns', async () => {
    const each = await uses(false);
    const live = engine.get().pool.bytesLive;
    const once = await uses(true);
    expect(each.packs).toBe(4);
    expect(once.packs).toBe(2); // the forward's layout, then the input gradient's
    expect(once.values).toEqual(each.values);
    expect(engine.get().pool.bytesLive).toBe(live);
  });
});
