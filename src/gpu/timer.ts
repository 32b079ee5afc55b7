// Times recorded GPU work for the benchmark suite. With the `timestamp-query` feature every rep is
// its own submit and each compute pass it opens gets a begin/end timestamp pair (Engine's
// passTimestamps hook); a rep's time is the sum of its passes. Without the feature: wall clock
// over several reps with one sync per trial. Either way the median is reported.
import type { Engine } from './engine.js';

export interface Timing {
  /** Median milliseconds of one rep. */
  ms: number;
  /** Per-rep (timestamps) or per-trial mean (wall clock) milliseconds. */
  samples: number[];
  method: 'timestamp' | 'wall';
}

export interface TimeOptions {
  /** Rough wall-clock budget for the measured reps (after warm-up). */
  budgetMs?: number;
  minReps?: number;
  maxReps?: number;
  /** Use the wall clock even where timestamps exist (work that is mostly host-side, like dispatch cost). */
  wall?: boolean;
}

const QUERY_CAPACITY = 2048;

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class GpuTimer {
  private querySet: GPUQuerySet | null = null;
  private resolveBuffer: GPUBuffer | null = null;
  private readBuffer: GPUBuffer | null = null;
  /** Rep index of each timestamp pair written so far. */
  private pairRep: number[] = [];

  constructor(private readonly e: Engine) {
    if (!e.gpu.hasTimestamps) return;
    const d = e.device;
    this.querySet = d.createQuerySet({ type: 'timestamp', count: QUERY_CAPACITY, label: 'bench-timestamps' });
    const bytes = QUERY_CAPACITY * 8;
    this.resolveBuffer = d.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.readBuffer = d.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  get usesTimestamps(): boolean {
    return this.querySet !== null;
  }

  /**
   * Times `record` (which records GPU work through the engine and must not await): one warm-up
   * (pipelines built, pool filled), one timed probe to size the rep count, then the reps.
   */
  async time(record: () => void, options: TimeOptions = {}): Promise<Timing> {
    const { budgetMs = 400, minReps = 3, maxReps = 30 } = options;
    record();
    await this.e.sync();
    const t0 = performance.now();
    record();
    await this.e.sync();
    const probe = performance.now() - t0;
    const reps = Math.max(minReps, Math.min(maxReps, Math.round(budgetMs / Math.max(probe, 1e-3))));
    if (this.querySet && !options.wall) return this.timeWithTimestamps(record, reps);
    return this.timeWall(record, reps);
  }

  private async timeWall(record: () => void, reps: number): Promise<Timing> {
    const trials = Math.min(reps, 5);
    const perTrial = Math.ceil(reps / trials);
    const samples: number[] = [];
    for (let t = 0; t < trials; t++) {
      const t0 = performance.now();
      for (let r = 0; r < perTrial; r++) record();
      await this.e.sync();
      samples.push((performance.now() - t0) / perTrial);
    }
    return { ms: median(samples), samples, method: 'wall' };
  }

  private async timeWithTimestamps(record: () => void, reps: number): Promise<Timing> {
    const perRep = new Array<number>(reps).fill(0);
    let rep = 0;
    this.e.passTimestamps = () => {
      const pair = this.pairRep.length;
      this.pairRep.push(rep);
      return { querySet: this.querySet!, beginningOfPassWriteIndex: 2 * pair, endOfPassWriteIndex: 2 * pair + 1 };
    };
    try {
      for (; rep < reps; rep++) {
        record();
        this.e.flush();
        // Keep room for a rep that opens many passes; collect before the query set fills up.
        if (2 * this.pairRep.length > QUERY_CAPACITY / 2) await this.collect(perRep);
      }
    } finally {
      this.e.passTimestamps = null;
    }
    await this.collect(perRep);
    return { ms: median(perRep), samples: perRep, method: 'timestamp' };
  }

  /** Resolves the pairs written so far and adds each pass's duration to its rep. */
  private async collect(perRep: number[]): Promise<void> {
    const pairs = this.pairRep.length;
    if (!pairs) return;
    if (2 * pairs > QUERY_CAPACITY) throw new Error(`GpuTimer: one rep opened more than ${QUERY_CAPACITY / 2} compute passes`);
    const d = this.e.device;
    const enc = d.createCommandEncoder();
    enc.resolveQuerySet(this.querySet!, 0, 2 * pairs, this.resolveBuffer!, 0);
    enc.copyBufferToBuffer(this.resolveBuffer!, 0, this.readBuffer!, 0, 16 * pairs);
    this.e.flush();
    d.queue.submit([enc.finish()]);
    await this.e.wait(() => this.readBuffer!.mapAsync(GPUMapMode.READ, 0, 16 * pairs));
    const ticks = new BigUint64Array(this.readBuffer!.getMappedRange(0, 16 * pairs).slice(0));
    this.readBuffer!.unmap();
    this.e.checkErrors();
    for (let p = 0; p < pairs; p++) {
      // A pass whose end is before its begin (a driver that resets counters) counts as 0.
      const ns = ticks[2 * p + 1] > ticks[2 * p] ? Number(ticks[2 * p + 1] - ticks[2 * p]) : 0;
      perRep[this.pairRep[p]] += ns / 1e6;
    }
    this.pairRep = [];
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    this.readBuffer?.destroy();
  }
}
