// conv2d (NCHW, weights [Cout, Cin, KH, KW], PyTorch's output size) with input, weight and bias
// gradients. Each pass has several kernel variants, described as data in conv-variants.ts; unless
// the caller names one, the tuner picks per adapter and shape among those not in the lab.
import { record } from '../autograd.js';
import { engine, grid1d, perValueKernel } from '../gpu/engine.js';
import type { Bindable } from '../gpu/kernels.js';
import { chooseVariant, registerTunable } from '../gpu/tuner.js';
import { rowCapacity, Tensor } from '../tensor.js';
import {
  blocksPerBinding,
  CONV_KERNELS,
  CONV_PASSES,
  CONV_VARIANTS,
  clusterBlocks,
  type ConvPass,
  type ConvVariant,
  defaultVariant,
  fitsBlocked,
  flippedForward,
  type Launch,
  packedBlockVec4s,
  PX,
  SHADER_CONSTANTS,
  SUBGROUP_LANES,
  UNIFORM_BYTES,
  WGRAD_SPLITS,
} from './conv-variants.js';

export { CONV_PASSES, CONV_VARIANTS, type ConvPass };

/** The variants of `pass` that run shape `g`, lab ones included: what the bench and the tests run, and what a caller may force. */
export function convVariants(pass: ConvPass, g: ConvGeometry): string[] {
  return CONV_VARIANTS[pass].filter((v) => CONV_KERNELS[pass][v].available?.(g) ?? true);
}
/** The variants the tuner times for `g` in training: convVariants less the lab. */
export function tunedVariants(pass: ConvPass, g: ConvGeometry): string[] {
  return convVariants(pass, g).filter((v) => !CONV_KERNELS[pass][v].lab);
}

function variantOf(pass: ConvPass, variant: string, g: ConvGeometry): ConvVariant {
  const v = CONV_KERNELS[pass][variant];
  if (!v) throw new Error(`conv2d: no ${pass} variant "${variant}" (have ${CONV_VARIANTS[pass].join(', ')})`);
  if (v.available && !v.available(g)) throw new Error(`conv2d: ${pass} variant "${variant}" does not run ${geometryKey(g)}`);
  return v;
}

export interface ConvGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  k: number;
  r: number;
  s: number;
  stride: number;
  pad: number;
  ho: number;
  wo: number;
}

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  /** Force variants per pass (tests, benchmarks); the tuner's choice for the passes not named. */
  variants?: Partial<Record<ConvPass, string>>;
}

const WG = SHADER_CONSTANTS.conv2d.WG;

export function convGeometry(x: readonly number[], w: readonly number[], stride: number, pad: number): ConvGeometry {
  const shapes = `x [${x.join(', ')}], w [${w.join(', ')}]`;
  if (x.length !== 4 || w.length !== 4) throw new Error(`conv2d: expected 4-D x and w, got ${shapes}`);
  if (x[1] !== w[1]) throw new Error(`conv2d: x has ${x[1]} channels, w expects ${w[1]} (${shapes})`);
  if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(pad) || pad < 0) {
    throw new Error(`conv2d: stride ${stride} and padding ${pad} must be integers ≥ 1 and ≥ 0`);
  }
  const [n, c, h, wd] = x;
  const [k, , r, s] = w;
  const ho = Math.floor((h + 2 * pad - r) / stride) + 1;
  const wo = Math.floor((wd + 2 * pad - s) / stride) + 1;
  if (ho < 1 || wo < 1) throw new Error(`conv2d: kernel larger than the padded input (${shapes}, padding ${pad})`);
  if (!fitsBlocked({ stride, s })) throw new Error(`conv2d: kernel width ${s} with stride ${stride} is not supported`);
  return { n, c, h, w: wd, k, r, s, stride, pad, ho, wo };
}

/** Multiply-adds × 2 of one pass; the forward and both gradients cost the same. */
export function convFlops(g: ConvGeometry): number {
  return 2 * g.n * g.k * g.ho * g.wo * g.c * g.r * g.s;
}

/**
 * The tuner's shape key, e.g. `128x16x32x32-k16x3x3-s1p1`, readable back by parseGeometryKey. The
 * batch is rounded up to a power of two: AEGL's batches (the clean batch plus 0–20 adversarial
 * tail images, and the tail images alone) then share a handful of tuned shapes instead of one per
 * tail count.
 */
export function geometryKey(g: ConvGeometry): string {
  const n = batchBucket(g.n);
  return `${n}x${g.c}x${g.h}x${g.w}-k${g.k}x${g.r}x${g.s}-s${g.stride}p${g.pad}`;
}

/**
 * The batch's rows, or the rows its buffers have room for under withRowCapacity (AEGL's attacked
 * rows: 8, 16, 24… whatever the tail count), rounded up to a power of two: what tuning sees of it.
 */
function batchBucket(n: number): number {
  return 2 ** Math.ceil(Math.log2(rowCapacity(n)));
}

export function parseGeometryKey(key: string): ConvGeometry {
  const m = /^(\d+)x(\d+)x(\d+)x(\d+)-k(\d+)x(\d+)x(\d+)-s(\d+)p(\d+)$/.exec(key);
  if (!m) throw new Error(`conv2d: bad shape key "${key}"`);
  const [n, c, h, w, k, r, s, stride, pad] = m.slice(1).map(Number);
  return convGeometry([n, c, h, w], [k, c, r, s], stride, pad);
}

function constants(g: ConvGeometry, extra: Record<string, number> = {}): Record<string, number> {
  const { c, h, w, k, r, s, stride, pad, ho, wo } = g;
  return { C: c, H: h, W: w, K: k, R: r, S: s, ST: stride, P: pad, HO: ho, WO: wo, PX, ...extra };
}

const noSplits = { bl: 1, splits: 1 };

export function convForward(g: ConvGeometry, x: Tensor, w: Tensor, b: Tensor | null, variant: string): Tensor {
  const v = variantOf('fwd', variant, g);
  if (v.weights === 'packed') return forwardPacked(g, x, w, b, false, v);
  const y = Tensor.empty([g.n, g.k, g.ho, g.wo]);
  const px = v.px(g);
  const spec = { shader: v.shader, entry: v.entry, constants: constants(g, { HAS_BIAS: b ? 1 : 0, CV: v.cv, PX: px }) };
  // Without a bias, w fills the bias slot: the binding must exist, and HAS_BIAS=0 never reads it.
  engine().run(spec, [x, w, b ?? w, y], v.grid(g, { ...noSplits, px, blocks: Math.ceil(g.k / v.block) }, v.workgroup));
  return y;
}

interface PackedKernel {
  tensor: Tensor;
  blocks: number;
  /** vec4s from one block to the next: BLOCK4 in shaders/packed_kernel.wgsl. */
  block4: number;
  perDispatch: number;
}

/** Packed kernels by weight tensor and layout, while a reusingPackedWeights callback records. */
let packedKernels: Map<Tensor, Map<string, PackedKernel>> | null = null;

/**
 * Records `fn` with each conv weight packed once per layout instead of once per use, for work in
 * which no weight changes: AEGL's step (its attack runs the model forward and back three or four
 * times before the optimizer moves a weight) and an evaluation's batches. The packed kernels go
 * back to the pool when `fn` returns; inside an enclosing call, that call's kernels serve.
 */
export function reusingPackedWeights<T>(fn: () => T): T {
  if (packedKernels) return fn();
  const kernels = new Map<Tensor, Map<string, PackedKernel>>();
  packedKernels = kernels;
  try {
    return fn();
  } finally {
    packedKernels = null;
    for (const layouts of kernels.values()) for (const p of layouts.values()) p.tensor.dispose();
  }
}

/**
 * conv2d_packed.pack_weights: w in blocks of 4·cv of the `produced` channels, each [summed][R][S]
 * of cv vec4s. transpose: w is [summed][produced][R][S] (an input gradient's forward kernel);
 * flip: taps reversed. The tensor is long enough for every dispatch to bind a full uniform range;
 * a dispatch's workgroups take perWorkgroup blocks each. Under reusingPackedWeights the packing is
 * recorded once per weight and layout, and that call disposes it.
 */
function packKernel(w: Tensor, summed: number, produced: number, g: ConvGeometry, cv: number, transpose: boolean, flip: boolean, perWorkgroup: number): PackedKernel {
  const blocks = Math.ceil(produced / (4 * cv));
  const block4 = packedBlockVec4s(summed, g, cv);
  const blockBytes = block4 * 16;
  // Whole workgroups' worth of blocks per dispatch, or a workgroup would read past its binding.
  const perDispatch = Math.min(blocks, Math.floor(blocksPerBinding(summed, g, cv) / perWorkgroup) * perWorkgroup);
  const lastFirst = Math.floor((blocks - 1) / perDispatch) * perDispatch;
  const consts = { C: summed, K: produced, R: g.r, S: g.s, CV: cv, BLOCK4: block4, TRANSPOSE: transpose ? 1 : 0, FLIP: flip ? 1 : 0 };
  const layout = `${Object.values(consts).join(',')},${perDispatch}`;
  let layouts = packedKernels?.get(w);
  if (packedKernels && !layouts) packedKernels.set(w, (layouts = new Map()));
  const known = layouts?.get(layout);
  if (known) return known;
  const tensor = Tensor.empty([Math.max(blocks * blockBytes, lastFirst * blockBytes + UNIFORM_BYTES) / 4]);
  engine().run({ shader: 'conv2d_packed', entry: 'pack_weights', constants: consts }, [w, tensor], grid1d(Math.ceil((blocks * block4 * 4) / WG)));
  const packed = { tensor, blocks, block4, perDispatch };
  if (layouts) {
    layouts.set(layout, packed);
    tensor.keep(); // outlives the caller's tidy: reusingPackedWeights disposes it
  }
  return packed;
}

/**
 * Packs w for variant v (blocks of `produced` channels summing over `summed`), then records one
 * dispatch per group of blocks that fits a uniform binding, each with its kernel range (a uniform
 * binding), its first block (the Dispatch uniform) and its grid.
 */
function runPacked(
  v: ConvVariant,
  g: ConvGeometry,
  w: Tensor,
  pack: { summed: number; produced: number; transpose: boolean; flip: boolean },
  consts: Record<string, number>,
  bindings: (kernel: Bindable) => Bindable[],
): void {
  const px = v.px(g);
  // A clustered workgroup takes bl channel blocks.
  const bl = v.clusters ? clusterBlocks(pack.summed, pack.produced, g, v.cv) : 1;
  const p = packKernel(w, pack.summed, pack.produced, g, v.cv, pack.transpose, pack.flip, bl);
  const wg = v.clusters ? clusterWorkgroup(v, g, { px, bl, blocks: p.perDispatch, splits: 1 }) : v.workgroup;
  const spec = { shader: v.shader, entry: v.entry, constants: constants(g, { ...consts, CV: v.cv, PX: px, BLOCK4: p.block4, ...(v.clusters ? { BL: bl, WG: wg } : {}) }) };
  for (let first = 0; first < p.blocks; first += p.perDispatch) {
    const kernel = { buffer: p.tensor.buffer, byteOffset: first * p.block4 * 16, byteLength: UNIFORM_BYTES };
    const launch: Launch = { px, bl, blocks: Math.min(p.perDispatch, p.blocks - first), splits: 1 };
    engine().run(spec, bindings(kernel), v.grid(g, launch, wg), new Uint32Array([first]));
  }
  if (!packedKernels) p.tensor.dispose(); // else reusingPackedWeights does, when it returns
}

/**
 * Lanes per workgroup of a clustered kernel (its shader's WG is an override): the variant's own,
 * or one cluster where a dispatch would have fewer than 4 workgroups, so that one lavapipe thread
 * waits on the other's last one. AEGL's attack runs a 64-channel layer of ResNet-32 on 9 images as
 * 9 clusters: 2 workgroups of 8 clusters left each thread 8 clusters' time for 4.5 clusters' work;
 * as 9 workgroups it takes 5 (that layer's forward and ∂x 1.4–1.7× faster). Grids of 4 or more
 * are left alone: shrinking the CNN's attack grids (4–14 workgroups) bought nothing measurable,
 * and each other size is a pipeline to compile. Counted at the rows the batch's buffers have room
 * for (withRowCapacity), so that the tail counts of a step of 8 share pipelines.
 */
function clusterWorkgroup(v: ConvVariant, g: ConvGeometry, launch: Launch): number {
  const workgroups = v.grid({ ...g, n: rowCapacity(g.n) }, launch, v.workgroup).reduce((a, b) => a * b, 1);
  return workgroups < 4 ? SUBGROUP_LANES : v.workgroup;
}

/**
 * A packed forward-shaped variant (fwd_packed, fwd_subgroup). With flip, w is the forward kernel
 * [g.c][g.k][R][S] of an input gradient, transposed and flipped as it is packed, and the
 * convolution g runs as its dgrad entry point.
 */
function forwardPacked(g: ConvGeometry, x: Tensor, w: Tensor, b: Tensor | null, flip: boolean, v: ConvVariant): Tensor {
  const y = Tensor.empty([g.n, g.k, g.ho, g.wo]);
  // Without a bias, x fills the bias slot: the binding must exist, and HAS_BIAS=0 never reads it.
  runPacked(v, g, w, { summed: g.c, produced: g.k, transpose: flip, flip }, { HAS_BIAS: b ? 1 : 0 }, (kernel) => [x, kernel, b ?? x, y]);
  return y;
}

export function convInputGrad(g: ConvGeometry, dy: Tensor, w: Tensor, variant: string): Tensor {
  const v = variantOf('dgrad', variant, g);
  if (v.flipsToForward) {
    // dx = dy ⊛ flip(w)ᵀ with padding r − 1 − pad: the forward kernel, run on dy.
    return forwardPacked(flippedForward(g), dy, w, null, true, v);
  }
  const dx = Tensor.empty([g.n, g.c, g.h, g.w]);
  if (v.weights === 'packed') {
    runPacked(v, g, w, { summed: g.k, produced: g.c, transpose: true, flip: false }, {}, (kernel) => [dy, kernel, dx]);
  } else {
    const px = v.px(g);
    const spec = { shader: v.shader, entry: v.entry, constants: constants(g, { CV: v.cv, PX: px }) };
    engine().run(spec, [dy, w, dx], v.grid(g, { ...noSplits, px, blocks: Math.ceil(g.c / v.block) }, v.workgroup));
  }
  return dx;
}

export function convWeightGrad(g: ConvGeometry, x: Tensor, dy: Tensor, variant: string): Tensor {
  const v = variantOf('wgrad', variant, g);
  // SPLIT_ROWS is a constant, so each value is a pipeline (and on lavapipe a compile of about half a
  // second): it follows the batch rounded down to a power of two, the same for a batch of 128 and
  // for AEGL's 128 + 8…120 rows, whose split count grows instead.
  const capacity = rowCapacity(g.n);
  const baseRows = 2 ** Math.floor(Math.log2(capacity)) * g.ho;
  const splitRows = Math.ceil(baseRows / Math.min(baseRows, v.splits ?? WGRAD_SPLITS));
  const splits = Math.ceil((g.n * g.ho) / splitRows);
  // A buffer for the splits of the rows the batch's tensors have room for (see withRowCapacity):
  // AEGL's training batches of varying size then reuse one.
  const parts = Tensor.empty([splits, g.k, g.c, g.r, g.s], 'f32', Math.ceil((capacity * g.ho) / splitRows));
  const px = v.px(g);
  const spec = { shader: v.shader, entry: v.entry, constants: constants(g, { SPLIT_ROWS: splitRows, CV: v.cv, PX: px }) };
  engine().run(spec, [x, dy, parts], v.grid(g, { px, bl: 1, blocks: Math.ceil(g.k / v.block), splits }, v.workgroup));
  const dw = Tensor.empty([g.k, g.c, g.r, g.s]);
  const sum = perValueKernel('conv2d', 'sum_splits', dw.size, WG);
  engine().run(sum.spec, [parts, dw], sum.groups);
  // Back to the pool now: kernels recorded later in this submit run after the sum.
  parts.dispose();
  return dw;
}

export function convBiasGrad(g: ConvGeometry, dy: Tensor): Tensor {
  const db = Tensor.empty([g.k]);
  engine().run({ shader: 'conv2d', entry: 'bias_grad', constants: constants(g) }, [dy, db], [g.k]);
  return db;
}

/** Records one pass of one variant (the tuner and the benchmark time these): a, b as the pass takes them. */
export function runConvPass(pass: ConvPass, variant: string, g: ConvGeometry, a: Tensor, b: Tensor): Tensor {
  if (pass === 'fwd') return convForward(g, a, b, null, variant);
  if (pass === 'dgrad') return convInputGrad(g, a, b, variant);
  return convWeightGrad(g, a, b, variant);
}

/** Input shapes of one pass: fwd (x, w), dgrad (dy, w), wgrad (x, dy). */
export function convPassShapes(pass: ConvPass, g: ConvGeometry): [number[], number[]] {
  const x = [g.n, g.c, g.h, g.w];
  const w = [g.k, g.c, g.r, g.s];
  const dy = [g.n, g.k, g.ho, g.wo];
  return pass === 'fwd' ? [x, w] : pass === 'dgrad' ? [dy, w] : [x, dy];
}

for (const pass of CONV_PASSES) {
  registerTunable(`conv2d.${pass}`, CONV_VARIANTS[pass], (key) => {
    const g = parseGeometryKey(key);
    return { inputs: convPassShapes(pass, g), run: (variant, [a, b]) => runConvPass(pass, variant, g, a, b) };
  });
}

/**
 * conv2d(x [N, Cin, H, W], w [Cout, Cin, KH, KW], b [Cout] | null) → [N, Cout, Ho, Wo], as
 * torch.nn.functional.conv2d with a square stride and padding. Backward runs the input-, weight-
 * and bias-gradient kernels only for the parents that need them.
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const g = convGeometry(x.shape, w.shape, options.stride ?? 1, options.padding ?? 0);
  if (b && (b.shape.length !== 1 || b.shape[0] !== g.k)) throw new Error(`conv2d: bias [${b.shape.join(', ')}] for ${g.k} output channels`);
  const key = geometryKey(g);
  const pick = (pass: ConvPass): string =>
    options.variants?.[pass] ?? chooseVariant(`conv2d.${pass}`, key, tunedVariants(pass, g), defaultVariant(pass));
  const y = convForward(g, x, w, b, pick('fwd'));
  return record(y, 'conv2d', b ? [x, w, b] : [x, w], (dy, needs) => [
    needs[0] ? convInputGrad(g, dy, w, pick('dgrad')) : null,
    needs[1] ? convWeightGrad(g, x, dy, pick('wgrad')) : null,
    needs[2] ? convBiasGrad(g, dy) : null,
  ]);
}
