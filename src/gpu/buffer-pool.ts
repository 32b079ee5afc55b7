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

/**
 * The pool holds at most this multiple of the most bytes ever live at once: a new buffer that
 * would pass it first destroys idle buffers (evictFor says which). Batches of varying size
 * (AEGL's, evaluation's last batch) would otherwise each leave a set of idle buffers behind; a
 * step that repeats one shape creates nothing after its first run, so it never evicts.
 */
const HELD_LIMIT = 1.25;

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  /** Idle buffers in the order they were released (a Set keeps insertion order): eviction takes the first. */
  private idle = new Set<GPUBuffer>();
  /** Evicted buffers, destroyed after the next submit: commands still being recorded may use them. */
  private retired: GPUBuffer[] = [];
  /** GPU buffers this pool has ever created: a steady-state step must not raise it. */
  created = 0;
  /** Idle buffers destroyed to stay within HELD_LIMIT. */
  evicted = 0;
  bytesLive = 0;
  /** Live plus idle. */
  bytesHeld = 0;
  peakLive = 0;

  constructor(private device: GPUDevice) {}

  acquire(bytes: number, label = 'tensor'): GPUBuffer {
    const size = sizeClass(bytes);
    const reused = this.free.get(size)?.pop() ?? this.idleLarger(size);
    if (reused) {
      this.idle.delete(reused);
      this.addLive(reused.size);
      return reused;
    }
    this.evictFor(size);
    this.bytesHeld += size;
    this.addLive(size);
    this.created++;
    // UNIFORM too: conv2d's packed kernels read their weights through a uniform binding.
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    return this.device.createBuffer({ size, usage, label });
  }

  private addLive(size: number): void {
    this.bytesLive += size;
    this.peakLive = Math.max(this.peakLive, this.bytesLive);
  }

  /** The smallest idle buffer larger than `size` and within REUSE_SLACK of it, taken off its list. */
  private idleLarger(size: number): GPUBuffer | undefined {
    let best = Infinity;
    for (const [cls, list] of this.free) if (list.length && cls > size && cls <= size * REUSE_SLACK && cls < best) best = cls;
    return this.free.get(best)?.pop();
  }

  /**
   * Destroys idle buffers until a new one of `size` fits HELD_LIMIT: first those smaller than it
   * (a larger buffer serves their requests within REUSE_SLACK, so the pool settles on the larger
   * sizes of a varying batch instead of trading sizes back and forth), then any; oldest release
   * first.
   */
  private evictFor(size: number): void {
    const limit = HELD_LIMIT * Math.max(this.peakLive, this.bytesLive + size);
    for (const smallerOnly of [true, false]) {
      for (const oldest of this.idle) {
        if (this.bytesHeld + size <= limit) return;
        if (smallerOnly && oldest.size >= size) continue;
        this.destroyIdle(oldest);
        this.evicted++;
      }
    }
  }

  private destroyIdle(buffer: GPUBuffer): void {
    const list = this.free.get(buffer.size)!;
    list.splice(list.indexOf(buffer), 1);
    this.idle.delete(buffer);
    this.bytesHeld -= buffer.size;
    this.retired.push(buffer);
  }

  /** The engine calls this once its recorded commands are submitted (destroy() waits for submitted work). */
  destroyRetired(): void {
    for (const b of this.retired) b.destroy();
    this.retired = [];
  }

  release(buffer: GPUBuffer): void {
    const list = this.free.get(buffer.size) ?? [];
    list.push(buffer);
    this.free.set(buffer.size, list);
    this.idle.add(buffer);
    this.bytesLive -= buffer.size;
  }

  /** Frees every idle buffer (after a phase with very different shapes, e.g. tuning). */
  trim(): void {
    for (const b of this.idle) this.destroyIdle(b);
  }
}
