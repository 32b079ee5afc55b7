// This adapter's own ceilings, measured in the same run as the kernels they judge: memory
// bandwidth (a plain copy), compute (the best matmul variant on large squares, and multiply-adds
// on registers alone: what no kernel with loads can beat), the cost of one dispatch, and of one
// submit with a readback.
import { engine, grid1d } from '../src/gpu/engine.js';
import { median, type GpuTimer } from '../src/gpu/timer.js';
import { MATMUL_VARIANTS, matmul } from '../src/ops/matmul.js';
import { Tensor, tidy } from '../src/tensor.js';
import { randomTensor } from './inputs.js';

export interface Ceilings {
  /** Best copy bandwidth, bytes read + written per second / 1e9. */
  copyGBs: number;
  copy: { bytes: number; perThread: number; ms: number }[];
  /** Best matmul GFLOP/s over variants and sizes. */
  matmulGflops: number;
  matmul: { variant: string; n: number; ms: number; gflops: number }[];
  /** Best multiply-add GFLOP/s on registers alone, over accumulator counts and unrolls. */
  multiplyAddGflops: number;
  multiplyAdd: { accumulators: number; unroll: number; ms: number; gflops: number }[];
  /** Wall-clock cost of one tiny dispatch recorded among many in one submit. */
  dispatchUs: number;
  /** Wall clock of one submit of one tiny kernel followed by a 4-byte readback. */
  roundTripMs: number;
}

const COPY_BYTES = 64 << 20;

async function copyCeiling(timer: GpuTimer, quick: boolean, wall: boolean): Promise<Ceilings['copy']> {
  const src = Tensor.zeros([COPY_BYTES / 4]);
  const dst = Tensor.empty([COPY_BYTES / 4]);
  const rows: Ceilings['copy'] = [];
  for (const perThread of quick ? [4] : [1, 4, 16]) {
    const groups = grid1d(Math.ceil(COPY_BYTES / 16 / 256 / perThread));
    const t = await timer.time(() => engine().run({ shader: 'bench', entry: 'copy', constants: { PER_THREAD: perThread } }, [src, dst], groups), { wall });
    rows.push({ bytes: COPY_BYTES, perThread, ms: t.ms });
  }
  src.dispose();
  dst.dispose();
  return rows;
}

async function matmulCeiling(timer: GpuTimer, quick: boolean, wall: boolean): Promise<Ceilings['matmul']> {
  const rows: Ceilings['matmul'] = [];
  for (const n of quick ? [512] : [512, 1024]) {
    const a = randomTensor([n, n], 1);
    const b = randomTensor([n, n], 2);
    for (const variant of MATMUL_VARIANTS) {
      const t = await timer.time(() => tidy(() => void matmul(a, b, { variant })), { budgetMs: quick ? 300 : 1500, wall });
      rows.push({ variant, n, ms: t.ms, gflops: (2 * n ** 3) / t.ms / 1e6 });
    }
    a.dispose();
    b.dispose();
  }
  return rows;
}

/** Invocations of the multiply-add ceiling: enough workgroups to keep every core busy. */
const MULTIPLY_ADD_LANES = 256 * 256;
const MULTIPLY_ADD_ITERS = 64;

async function multiplyAddCeiling(timer: GpuTimer, quick: boolean, wall: boolean): Promise<Ceilings['multiplyAdd']> {
  const sink = Tensor.empty([MULTIPLY_ADD_LANES]);
  const rows: Ceilings['multiplyAdd'] = [];
  // 16 × 8: the best of these on lavapipe; 16 × 1: the same work with a blend per multiply-add.
  const configs = quick ? [[16, 8]] : [[8, 8], [16, 8], [24, 4], [16, 1]];
  for (const [accumulators, unroll] of configs) {
    const constants = { ACC: accumulators, UNROLL: unroll, ITERS: MULTIPLY_ADD_ITERS };
    const groups = grid1d(MULTIPLY_ADD_LANES / 256);
    const t = await timer.time(() => engine().run({ shader: 'bench', entry: 'multiply_add', constants }, [sink], groups), { wall });
    const flops = 2 * MULTIPLY_ADD_LANES * MULTIPLY_ADD_ITERS * accumulators * unroll;
    rows.push({ accumulators, unroll, ms: t.ms, gflops: flops / t.ms / 1e6 });
  }
  sink.dispose();
  return rows;
}

/** (T(many tiny dispatches + sync) − T(sync)) / count, medians over trials, by the wall clock. */
async function dispatchCost(trials: number): Promise<number> {
  const e = engine();
  const word = Tensor.zeros([1]);
  const count = 500;
  const tiny = () => e.run({ shader: 'bench', entry: 'tiny' }, [word], [1]);
  tiny();
  await e.sync();
  const many: number[] = [];
  const one: number[] = [];
  for (let t = 0; t < trials; t++) {
    let t0 = performance.now();
    for (let i = 0; i < count; i++) tiny();
    await e.sync();
    many.push(performance.now() - t0);
    t0 = performance.now();
    tiny();
    await e.sync();
    one.push(performance.now() - t0);
  }
  word.dispose();
  return ((median(many) - median(one)) / (count - 1)) * 1000;
}

async function roundTrip(trials: number): Promise<number> {
  const word = Tensor.zeros([1]);
  const samples: number[] = [];
  await word.read();
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    engine().run({ shader: 'bench', entry: 'tiny' }, [word], [1]);
    await word.read();
    samples.push(performance.now() - t0);
  }
  word.dispose();
  return median(samples);
}

export async function measureCeilings(timer: GpuTimer, quick: boolean, wall: boolean): Promise<Ceilings> {
  const copy = await copyCeiling(timer, quick, wall);
  const mm = await matmulCeiling(timer, quick, wall);
  const multiplyAdd = await multiplyAddCeiling(timer, quick, wall);
  const dispatchUs = await dispatchCost(quick ? 3 : 7);
  const roundTripMs = await roundTrip(quick ? 10 : 30);
  engine().pool.trim();
  return {
    copyGBs: Math.max(...copy.map((c) => (2 * c.bytes) / c.ms / 1e6)),
    copy,
    matmulGflops: Math.max(...mm.map((m) => m.gflops)),
    matmul: mm,
    multiplyAddGflops: Math.max(...multiplyAdd.map((m) => m.gflops)),
    multiplyAdd,
    dispatchUs,
    roundTripMs,
  };
}
