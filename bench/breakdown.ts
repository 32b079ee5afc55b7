// Where a training step's time goes (`aegl-gpu bench --breakdown`), in the manner of tinygrad's
// DEBUG=2: one step of each whole-step case recorded with every dispatch in a compute pass of its
// own, timestamped, then summed per kernel (shader.entry): dispatches, GPU ms, share of the step,
// GB/s over the bytes its bindings span, workgroups per dispatch. Beside it, what the host does:
// the wall time of an unprofiled step, the time spent recording it, and how many cores the
// process kept busy (lavapipe runs the kernels on this process's threads).
import { availableParallelism } from 'node:os';
import { engine } from '../src/gpu/engine.js';
import { median } from '../src/gpu/timer.js';
import type { BenchCase } from './cases.js';

/** Timestamp pairs per query set (the spec's 4096 queries); a fuller step resolves and reuses it. */
const PAIRS_PER_SET = 2048;
const MAX_DISPATCHES = 32768;
const TOP_KERNELS = 14;

interface Dispatch {
  kernel: string;
  bytes: number;
  workgroups: number;
}

export interface KernelShare {
  kernel: string;
  dispatches: number;
  ms: number;
  share: number;
  gbs: number;
  /** Mean workgroups per dispatch, and dispatches of a single workgroup (one core at most on lavapipe). */
  workgroups: number;
  singleWorkgroup: number;
}

export interface StepBreakdown {
  kernel: string;
  net: string;
  shape: string;
  /** Unprofiled step: median wall ms, ms recording it on the host, cores kept busy (CPU time / wall). */
  wallMs: number;
  recordMs: number;
  coresBusy: number;
  dispatches: number;
  /** Sum of the per-dispatch GPU times (one pass each: more than the step's own GPU time). */
  profiledMs: number;
  kernels: KernelShare[];
}

/** Per-dispatch GPU ms of one recorded step, each dispatch in its own timestamped pass. */
async function profileDispatches(record: () => void): Promise<{ dispatches: Dispatch[]; ms: number[] }> {
  const e = engine();
  const d = e.device;
  const querySet = d.createQuerySet({ type: 'timestamp', count: 2 * PAIRS_PER_SET });
  const resolve = d.createBuffer({ size: MAX_DISPATCHES * 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = d.createBuffer({ size: MAX_DISPATCHES * 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const dispatches: Dispatch[] = [];
  let resolved = 0;
  // Copies the pairs written since the last resolve into `resolve`, after the work that wrote them.
  const resolveUpTo = (count: number) => {
    if (count === resolved) return;
    e.flush();
    const enc = d.createCommandEncoder();
    enc.resolveQuerySet(querySet, 0, 2 * (count - resolved), resolve, resolved * 16);
    d.queue.submit([enc.finish()]);
    resolved = count;
  };
  e.dispatchProfiler = ({ label, bytes, workgroups }) => {
    if (dispatches.length >= MAX_DISPATCHES) throw new Error(`breakdown: a step of more than ${MAX_DISPATCHES} dispatches`);
    if (dispatches.length - resolved === PAIRS_PER_SET) resolveUpTo(dispatches.length);
    const pair = dispatches.length - resolved;
    dispatches.push({ kernel: label.slice(0, label.indexOf('(')), bytes, workgroups });
    return { querySet, beginningOfPassWriteIndex: 2 * pair, endOfPassWriteIndex: 2 * pair + 1 };
  };
  try {
    record();
  } finally {
    e.dispatchProfiler = null;
  }
  resolveUpTo(dispatches.length);
  const enc = d.createCommandEncoder();
  enc.copyBufferToBuffer(resolve, 0, read, 0, dispatches.length * 16);
  d.queue.submit([enc.finish()]);
  await e.wait(() => read.mapAsync(GPUMapMode.READ, 0, dispatches.length * 16));
  const ticks = new BigUint64Array(read.getMappedRange(0, dispatches.length * 16).slice(0));
  read.unmap();
  [querySet, resolve, read].forEach((x) => x.destroy());
  e.checkErrors();
  return { dispatches, ms: dispatches.map((_, i) => Number(ticks[2 * i + 1] - ticks[2 * i]) / 1e6) };
}

/** The breakdown of one whole-step case (after its kernels were compiled and tuned). */
export async function breakDownStep(c: BenchCase): Promise<StepBreakdown> {
  const e = engine();
  if (!e.gpu.hasTimestamps) throw new Error('the breakdown needs the timestamp-query feature');
  const prepared = c.prepare();
  try {
    prepared.record();
    await e.sync();
    const walls: number[] = [];
    const records: number[] = [];
    const cores: number[] = [];
    for (let r = 0; r < 3; r++) {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      prepared.record();
      e.flush();
      records.push(performance.now() - t0);
      await e.sync();
      const wall = performance.now() - t0;
      const used = process.cpuUsage(cpu);
      walls.push(wall);
      cores.push((used.user + used.system) / 1000 / wall);
    }
    const { dispatches, ms } = await profileDispatches(prepared.record);
    const profiledMs = ms.reduce((a, b) => a + b, 0);
    const byKernel = new Map<string, { dispatches: number; ms: number; bytes: number; workgroups: number; singleWorkgroup: number }>();
    dispatches.forEach((dsp, i) => {
      const k = byKernel.get(dsp.kernel) ?? { dispatches: 0, ms: 0, bytes: 0, workgroups: 0, singleWorkgroup: 0 };
      k.dispatches++;
      k.ms += ms[i];
      k.bytes += dsp.bytes;
      k.workgroups += dsp.workgroups;
      if (dsp.workgroups === 1) k.singleWorkgroup++;
      byKernel.set(dsp.kernel, k);
    });
    const kernels: KernelShare[] = [...byKernel]
      .map(([kernel, k]) => ({
        kernel,
        dispatches: k.dispatches,
        ms: k.ms,
        share: (100 * k.ms) / profiledMs,
        gbs: k.ms > 0 ? k.bytes / k.ms / 1e6 : 0,
        workgroups: k.workgroups / k.dispatches,
        singleWorkgroup: k.singleWorkgroup,
      }))
      .sort((a, b) => b.ms - a.ms);
    return { kernel: c.kernel, net: c.net, shape: c.shape, wallMs: median(walls), recordMs: median(records), coresBusy: median(cores), dispatches: dispatches.length, profiledMs, kernels };
  } finally {
    prepared.release();
    e.pool.trim();
  }
}

const f = (v: number, digits = 1) => v.toFixed(digits);

/** The breakdowns as Markdown: one table per step, the top kernels and the rest summed. */
export function breakdownMarkdown(steps: StepBreakdown[], adapter: string, date: string): string {
  const lp = process.env.LP_NUM_THREADS ?? `unset (lavapipe: one per core, ${availableParallelism()})`;
  const out = [
    `# Where a training step's time goes: ${adapter}`,
    '',
    `- date: ${date}; LP_NUM_THREADS: ${lp}; cores: ${availableParallelism()}`,
    '- **wall**: median of 3 unprofiled steps, recording to finished GPU work; **recording**: host time to record and submit it; ' +
      '**cores busy**: this process\'s CPU time over the wall time (lavapipe runs the kernels on its threads).',
    '- Per kernel: one step recorded with each dispatch in its own timestamped compute pass; **share** of the summed pass times ' +
      '(passes add overhead, so the sum exceeds the step\'s own GPU time); **GB/s** over the bytes each dispatch\'s bindings span ' +
      '(reads + writes, each buffer once: a lower bound on its traffic); **wg/dispatch**: mean workgroups; **1-wg**: dispatches of ' +
      'a single workgroup, which lavapipe runs on one thread.',
    '',
  ];
  for (const s of steps) {
    out.push(`## ${s.kernel} ${s.net} (${s.shape})`, '');
    out.push(`wall ${f(s.wallMs)} ms · recording ${f(s.recordMs)} ms · cores busy ${f(s.coresBusy, 2)} · ${s.dispatches} dispatches · per-dispatch passes summed ${f(s.profiledMs)} ms`, '');
    out.push('| kernel | dispatches | ms | share % | GB/s | wg/dispatch | 1-wg |', '| --- | --- | --- | --- | --- | --- | --- |');
    const top = s.kernels.slice(0, TOP_KERNELS);
    for (const k of top) out.push(`| ${k.kernel} | ${k.dispatches} | ${f(k.ms, 2)} | ${f(k.share)} | ${f(k.gbs, 2)} | ${f(k.workgroups, 0)} | ${k.singleWorkgroup} |`);
    const rest = s.kernels.slice(TOP_KERNELS);
    if (rest.length) {
      const ms = rest.reduce((a, k) => a + k.ms, 0);
      out.push(`| ${rest.length} other kernels | ${rest.reduce((a, k) => a + k.dispatches, 0)} | ${f(ms, 2)} | ${f((100 * ms) / s.profiledMs)} | | | ${rest.reduce((a, k) => a + k.singleWorkgroup, 0)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
