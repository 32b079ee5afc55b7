// Size-class pool of storage buffers, so a repeated training step creates no GPU buffers after
// its first iteration. Reusing a released buffer inside the same unsubmitted command encoder is
// safe: commands run in recording order. Only host writes (queue.writeBuffer) jump ahead of
// recorded commands, and the engine flushes before such a write (see Engine.upload).

const MIN_BYTES = 256;

/** Size classes: powers of two up to 1 MiB, then steps of 1/8 of the power of two (≤ 12.5 % waste). */
export function sizeClass(bytes: number): number {
  const n = Math.max(MIN_BYTES, Math.ceil(bytes / 4) * 4);
  const pow = 2 ** Math.ceil(Math.log2(n));
  if (pow <= 1 << 20) return pow;
  const step = pow / 16;
  return Math.ceil(n / step) * step;
}

/**
 * A request whose class has no idle buffer takes the smallest idle one up to this much larger:
 * nearby sizes (AEGL's padded batches of 128 + 8, 16, 24 rows) then share buffers instead of each
 * keeping its own. Bindings use the tensor's own byte length, so the slack is never read.
 */
const REUSE_SLACK = 1.25;

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  /** GPU buffers this pool has ever created: a steady-state step must not raise it. */
  created = 0;
  bytesLive = 0;

  constructor(private device: GPUDevice) {}

  acquire(bytes: number, label = 'tensor'): GPUBuffer {
    const size = sizeClass(bytes);
    const reused = this.free.get(size)?.pop() ?? this.idleLarger(size);
    if (reused) {
      this.bytesLive += reused.size;
      return reused;
    }
    this.bytesLive += size;
    this.created++;
    // UNIFORM too: conv2d's packed kernels read their weights through a uniform binding.
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    return this.device.createBuffer({ size, usage, label });
  }

  /** The smallest idle buffer larger than `size` and within REUSE_SLACK of it, taken off its list. */
  private idleLarger(size: number): GPUBuffer | undefined {
    let best = Infinity;
    for (const [cls, list] of this.free) if (list.length && cls > size && cls <= size * REUSE_SLACK && cls < best) best = cls;
    return this.free.get(best)?.pop();
  }

  release(buffer: GPUBuffer): void {
    const list = this.free.get(buffer.size) ?? [];
    list.push(buffer);
    this.free.set(buffer.size, list);
    this.bytesLive -= buffer.size;
  }

  /** Frees every idle buffer (after a phase with very different shapes, e.g. tuning). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }
}
