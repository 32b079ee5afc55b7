import { describe, expect, it } from 'vitest';
import { BufferPool, sizeClass } from '../src/gpu/buffer-pool.js';
import { engine } from '../src/gpu/engine.js';
import { matmul } from '../src/ops/matmul.js';
import { mean } from '../src/ops/reduce.js';
import { Tensor, withRowCapacity } from '../src/tensor.js';
import { useEngine } from './helpers/gpu.js';

useEngine();

/** A device that only counts buffers: the pool's bookkeeping without GPU memory. */
function countingDevice() {
  const destroyed = new Set<number>();
  let next = 0;
  const device = {
    createBuffer: ({ size }: { size: number }) => {
      const id = next++;
      return { size, id, destroy: () => destroyed.add(id) };
    },
  };
  return { device: device as unknown as GPUDevice, destroyed };
}

/** One "step" of `rows` rows: three activations live together, then all released. */
function step(pool: BufferPool, rows: number): void {
  const bufs = [1, 2, 3].map((k) => pool.acquire(rows * k * 4096));
  for (const b of bufs) pool.release(b);
}

describe('buffer pool', () => {
  it('a repeated step creates and evicts nothing after its first run', () => {
    const { device } = countingDevice();
    const pool = new BufferPool(device);
    step(pool, 128);
    const created = pool.created;
    for (let i = 0; i < 10; i++) step(pool, 128);
    expect(pool.created).toBe(created);
    expect(pool.evicted).toBe(0);
  });

  it('batches of varying size keep the pool within 1.25× the peak live bytes', () => {
    const { device, destroyed } = countingDevice();
    const pool = new BufferPool(device);
    // AEGL-like: 128 rows plus a tail sized for 8…40, then evaluation's odd last batch.
    const sizes = [136, 152, 144, 168, 136, 160, 53, 144, 136, 168, 152];
    for (const rows of sizes) {
      step(pool, rows);
      expect(pool.bytesHeld).toBeLessThanOrEqual(1.25 * pool.peakLive);
    }
    expect(pool.peakLive).toBe(sizeClass(168 * 4096) + sizeClass(168 * 2 * 4096) + sizeClass(168 * 3 * 4096));
    expect(pool.evicted).toBeGreaterThan(0);
    // Evicted buffers wait for the engine's next submit before they are destroyed.
    expect(destroyed.size).toBe(0);
    pool.destroyRetired();
    expect(destroyed.size).toBe(pool.evicted);
  });

  it('an eviction while commands are recorded leaves them correct (destroyed only after the submit)', async () => {
    const e = engine();
    e.pool.trim();
    e.flush();
    const evictedBefore = e.pool.evicted;
    // Products of growing row counts, recorded into one encoder: each input is released once its
    // product is recorded, and the next, twice as large, cannot reuse it, so the pool evicts
    // buffers that recorded commands still read.
    const b = Tensor.full([64, 64], 0.5);
    const outs: Tensor[] = [];
    for (let rows = 64; rows <= 2048; rows *= 2) {
      const a = Tensor.full([rows, 64], 1);
      outs.push(matmul(a, b));
      a.dispose();
    }
    expect(e.pool.evicted).toBeGreaterThan(evictedBefore);
    for (const out of outs) {
      const got = await out.read();
      expect(got.every((v) => v === 32)).toBe(true);
      out.dispose();
    }
    b.dispose();
  });

  it('withRowCapacity sizes the buffers of the given row counts for a multiple of the step; the tensor binds its own bytes', async () => {
    const e = engine();
    const row = 3 * 5;
    // The slack holds a previous tensor's 7s: what a kernel over the whole buffer would see.
    Tensor.full([16, 3, 5], 7).dispose();
    const [small, padded, other] = withRowCapacity([9, 137], 8, () => [Tensor.full([9, 3, 5], 2), Tensor.full([137, row], 1), Tensor.full([10, row], 1)]);
    expect(small.buffer.size).toBe(sizeClass(16 * row * 4));
    expect(padded.buffer.size).toBe(sizeClass(144 * row * 4));
    expect(other.buffer.size).toBe(sizeClass(10 * row * 4));
    expect(Tensor.full([9, row], 0).buffer.size).toBe(sizeClass(9 * row * 4));
    expect(small.byteLength).toBe(9 * row * 4);
    expect(await mean(small).item()).toBe(2);
    for (const t of [small, padded, other]) t.dispose();
    e.pool.trim();
  });
});
