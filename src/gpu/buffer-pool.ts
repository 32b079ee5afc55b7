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

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  /** GPU buffers this pool has ever created: a steady-state step must not raise it. */
  created = 0;
  bytesLive = 0;

  constructor(private device: GPUDevice) {}

  acquire(bytes: number, label = 'tensor'): GPUBuffer {
    const size = sizeClass(bytes);
    const reused = this.free.get(size)?.pop();
    this.bytesLive += size;
    if (reused) return reused;
    this.created++;
    // UNIFORM too: conv2d's packed kernels read their weights through a uniform binding.
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    return this.device.createBuffer({ size, usage, label });
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
