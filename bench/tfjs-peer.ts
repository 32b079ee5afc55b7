// The peer: the same ResNet-32 layer workloads in TensorFlow.js's WebGPU backend, on the same
// Dawn adapter (a second device of it), timed by TF.js's own kernel timer (timestamp queries
// where the device has them). TF.js is NHWC; the FLOPs and the padding match ours exactly.
import type { AdapterSummary } from '../src/gpu/device.js';
import { engine } from '../src/gpu/engine.js';
import { median } from '../src/gpu/timer.js';
import { create } from 'webgpu';
import { CONV_SHAPES, type ConvShape } from './shapes.js';

export interface PeerTiming {
  kernel: string;
  net: string;
  /** Matches the shape label of our row for the same workload. */
  shape: string;
  ms: number;
  method: string;
  /** Our fastest variant on the same workload, timed right after TF.js (conv rows; see timeTfjs). */
  oursMs?: number | null;
}

type Tf = typeof import('@tensorflow/tfjs-core');
type TfTensor = import('@tensorflow/tfjs-core').Tensor;
type NamedAttrMap = import('@tensorflow/tfjs-core').NamedAttrMap;

/** Kept referenced for as long as TF.js may use it: Dawn crashes if the GPU object is collected. */
let peerGpu: GPU | null = null;

async function openTfjs(summary: AdapterSummary): Promise<Tf> {
  peerGpu = create([`backend=${summary.backend}`]) as unknown as GPU;
  const gpu = peerGpu;
  // TF.js asks navigator.gpu for an adapter; answer with the adapter our engine runs on.
  const navigatorGpu = { requestAdapter: (o?: GPURequestAdapterOptions) => gpu.requestAdapter({ ...o, featureLevel: summary.featureLevel }) };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: navigatorGpu }, configurable: true, writable: true });
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('the TF.js WebGPU backend did not initialise on this adapter');
  return tf;
}

/**
 * Median of `reps` runs after a warm-up: TF.js's kernel time where its device has timestamp
 * queries, else the wall clock up to the result's readback (its kernelMs reads 0 then; the
 * readback is a few ms of the hundreds a layer takes here).
 */
async function timeOne(tf: Tf, run: () => TfTensor, reps: number): Promise<{ ms: number; method: string }> {
  const backend = tf.backend() as unknown as { device: GPUDevice };
  const warm = run();
  await warm.data();
  warm.dispose();
  const timestamps = backend.device.features.has('timestamp-query');
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    if (timestamps) {
      samples.push((await tf.time(() => run().dispose())).kernelMs as number);
      continue;
    }
    const t0 = performance.now();
    const y = run();
    await y.data();
    samples.push(performance.now() - t0);
    y.dispose();
  }
  return { ms: median(samples), method: timestamps ? 'TF.js kernelMs (timestamps)' : 'wall clock incl. readback' };
}

function convWorkloads(tf: Tf, s: ConvShape, seed: number) {
  const [n, c, h, w] = s.x;
  const [k, , r, q] = s.w;
  const ho = Math.floor((h + 2 * s.pad - r) / s.stride) + 1;
  const wo = Math.floor((w + 2 * s.pad - q) / s.stride) + 1;
  const x = tf.randomUniform([n, h, w, c], -1, 1, 'float32', seed) as import('@tensorflow/tfjs-core').Tensor4D;
  const f = tf.randomUniform([r, q, c, k], -1, 1, 'float32', seed + 1) as import('@tensorflow/tfjs-core').Tensor4D;
  const dy = tf.randomUniform([n, ho, wo, k], -1, 1, 'float32', seed + 2) as import('@tensorflow/tfjs-core').Tensor4D;
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [s.pad, s.pad], [s.pad, s.pad], [0, 0]];
  const strides: [number, number] = [s.stride, s.stride];
  // runKernel's attribute type has no nested arrays, though the kernels take explicit padding.
  const attrs = (extra: object) => ({ strides, pad, dataFormat: 'NHWC', ...extra }) as unknown as NamedAttrMap;
  // The backward kernels TF.js's own conv2d gradient runs.
  const kernels: [string, () => TfTensor][] = [
    ['conv2d.fwd', () => tf.conv2d(x, f, strides, pad)],
    ['conv2d.dgrad', () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, attrs({ inputShape: x.shape })) as TfTensor],
    ['conv2d.wgrad', () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs({ filterShape: f.shape })) as TfTensor],
  ];
  return { kernels, release: () => [x, f, dy].forEach((t) => t.dispose()) };
}

/**
 * Times TF.js on ResNet-32's conv layers (forward, input and weight gradient) and on the square
 * matmuls of the ceiling. `shapeOf` names each workload as our rows do. Throws when TF.js cannot run.
 */
export async function timeTfjs(
  summary: AdapterSummary,
  options: {
    quick: boolean;
    filter: RegExp;
    convLabel: (s: ConvShape) => string;
    matmulSizes: number[];
    /**
     * Times our fastest variant of a conv workload. Called right after TF.js ran it: this CPU's
     * speed drifts by up to 2× over minutes, so a ratio is only fair between neighbouring timings.
     */
    timeOurs: (kernel: string, shape: string) => Promise<number | null>;
  },
): Promise<PeerTiming[]> {
  const tf = await openTfjs(summary);
  const reps = options.quick ? 1 : 3;
  // Awaited as our engine awaits its own work: on a CPU adapter, without spinning a core the driver
  // needs (src/gpu/quiet-wait.ts), so both sides get the same CPU.
  const time = (run: () => TfTensor) => engine().wait(() => timeOne(tf, run, reps));
  const out: PeerTiming[] = [];
  const shapes = CONV_SHAPES.filter((s) => s.net === 'resnet32' && (!options.quick || (s.x[1] === 32 && s.w[0] === 32)));
  for (const s of shapes) {
    const { kernels, release } = convWorkloads(tf, s, 11);
    for (const [kernel, run] of kernels) {
      if (!options.filter.test(kernel)) continue;
      const t = await time(run);
      const shape = options.convLabel(s);
      out.push({ kernel, net: s.net, shape, ...t, oursMs: await options.timeOurs(kernel, shape) });
    }
    release();
  }
  if (options.filter.test('matmul')) {
    for (const n of options.matmulSizes) {
      const a = tf.randomUniform([n, n], -1, 1, 'float32', 1) as import('@tensorflow/tfjs-core').Tensor2D;
      const b = tf.randomUniform([n, n], -1, 1, 'float32', 2) as import('@tensorflow/tfjs-core').Tensor2D;
      const t = await time(() => tf.matMul(a, b));
      out.push({ kernel: 'matmul', net: '-', shape: `${n}×${n}×${n}`, ...t });
      a.dispose();
      b.dispose();
    }
  }
  return out;
}
