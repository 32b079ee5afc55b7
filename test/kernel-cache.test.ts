// The kernel cache's bind groups: reused while in use, the least recently used dropped past the cap.
import { describe, expect, it } from 'vitest';
import { engine } from '../src/gpu/engine.js';
import { KernelCache, MAX_BIND_GROUPS } from '../src/gpu/kernels.js';
import { Tensor } from '../src/tensor.js';
import { useEngine } from './helpers/gpu.js';

useEngine();

describe('kernel cache', () => {
  it('keeps at most MAX_BIND_GROUPS bind groups and drops the least recently used', () => {
    const cache = new KernelCache(engine().device);
    const pipeline = cache.pipeline({ shader: 'fill' });
    const t = Tensor.zeros([MAX_BIND_GROUPS + 8]);
    const params = Tensor.zeros([4]);
    // Bind group i: the fill kernel over t's first i + 1 values (a distinct range each).
    const bind = (i: number) => {
      const before = cache.bindGroupsCreated;
      cache.bindGroup('fill', pipeline, [{ buffer: t.buffer, byteLength: 4 * (i + 1) }], { buffer: params.buffer, offset: 0, size: 16 });
      return cache.bindGroupsCreated - before;
    };
    for (let i = 0; i < MAX_BIND_GROUPS + 8; i++) expect(bind(i)).toBe(1);
    // The first 8 were dropped; 8 and the newest are still there.
    expect(bind(MAX_BIND_GROUPS + 7)).toBe(0);
    expect(bind(8)).toBe(0);
    // Making room for 0 drops 9, the least recently used, not 8, which was just used.
    expect(bind(0)).toBe(1);
    expect(bind(8)).toBe(0);
    expect(bind(9)).toBe(1);
    t.dispose();
    params.dispose();
  });
});
