// conv2d (NCHW, weights [Cout, Cin, KH, KW], PyTorch's output size) with input, weight and bias
// gradients, each its own kernel in shaders/conv2d.wgsl. Every pass has register-blocked and
// workgroup-tiled variants (KERNELS); unless the caller names one, the tuner picks per adapter and shape.
import { record } from '../autograd.js';
import { engine, grid1d, openEngine } from '../gpu/engine.js';
import type { Bindable } from '../gpu/kernels.js';
import { chooseVariant, registerTunable } from '../gpu/tuner.js';
import { Tensor } from '../tensor.js';

export type ConvPass = 'fwd' | 'dgrad' | 'wgrad';
export const CONV_PASSES: readonly ConvPass[] = ['fwd', 'dgrad', 'wgrad'];

/**
 * One variant of a pass: the `${pass}_${family}` entry point of shaders/conv2d.wgsl (packed:
 * conv2d_packed.wgsl; subgroup: conv2d_subgroup.wgsl; adjacent-subgroup: conv2d_dgrad_subgroup.wgsl;
 * rows-subgroup: conv2d_wgrad_subgroup.wgsl) and its block shape.
 */
interface ConvKernel {
  family: 'blocked' | 'adjacent' | 'adjacent-subgroup' | 'rows' | 'rows-subgroup' | 'tiled' | 'packed' | 'subgroup';
  /** Register-blocked kernels: channel vec4s per invocation (CV in the shader; default 1)… */
  cv?: number;
  /** …and dgrad_adjacent's, the packed and subgroup kernels' pixels per invocation (PX; default 8). */
  px?: number;
  /** The shapes it runs (all when absent). */
  available?: (g: ConvGeometry) => boolean;
}

/** wgrad_rows keeps all R·S taps in registers: MAX_TAPS in the shader. */
const MAX_TAPS = 9;
const fitsRows = (g: ConvGeometry) => g.r * g.s <= MAX_TAPS;
/** fwd_packed keeps (PX − 1)·stride + S input columns: SPAN in shaders/conv2d_packed.wgsl. */
const PACKED_SPAN = 40;
const fitsPacked16 = (g: ConvGeometry) => (16 - 1) * g.stride + g.s <= PACKED_SPAN;
/** shaders/packed_kernel.wgsl: kernel blocks are read through a uniform binding of this size… */
const UNIFORM_BYTES = 65536;
/** …and start at a multiple of 16 vec4s (256 bytes, WebGPU's largest uniform offset alignment). */
const packedBlockVec4s = (summed: number, g: ConvGeometry, cv: number) => Math.ceil((summed * g.r * g.s * cv) / 16) * 16;
/** Kernel blocks of 4·cv produced channels, summing over `summed` channels, that one uniform binding holds. */
const blocksPerBinding = (summed: number, g: ConvGeometry, cv: number) => Math.floor(UNIFORM_BYTES / (packedBlockVec4s(summed, g, cv) * 16));
const fitsUniform = (summed: number, g: ConvGeometry, cv: number) => blocksPerBinding(summed, g, cv) >= 1;
/** The subgroup kernels share loads within clusters of 8 lanes: an open device with subgroups of at least 8. */
const SUBGROUP_LANES = 8;
const hasClusters = () => (openEngine()?.gpu.subgroupMinSize ?? 0) >= SUBGROUP_LANES;
/** conv2d_subgroup.wgsl keeps (PX − 1)·stride + S input columns: SPAN. */
const SUBGROUP_SPAN = 40;
const fitsSubgroupSpan = (g: ConvGeometry, px: number) => (px - 1) * g.stride + g.s <= SUBGROUP_SPAN;
/** Lanes for `groups` pixel groups in clusters of bl channel blocks × 8 / bl pixel groups. */
const clusterLanes = (groups: number, bl: number) => Math.ceil(groups / (SUBGROUP_LANES / bl)) * SUBGROUP_LANES;
/** Channel blocks per cluster (BL): up to 4 (8 ran no faster on lavapipe), a power of two that a uniform binding holds. */
function clusterBlocks(summed: number, produced: number, g: ConvGeometry, cv: number): number {
  const blocks = Math.min(Math.ceil(produced / (4 * cv)), blocksPerBinding(summed, g, cv), 4);
  return 2 ** Math.floor(Math.log2(blocks));
}
/** The input gradient as a forward convolution of dy with the flipped kernel: stride 1, square kernel, padding < kernel. */
const flipsToForward = (g: ConvGeometry) => g.stride === 1 && g.r === g.s && g.pad < g.r;

/**
 * The variants the tuner chooses from, per pass. `wide` is a register-blocked kernel with 8
 * channels per invocation instead of 4: each loaded value feeds twice the multiply-adds, for twice
 * the registers (1.3–1.9× faster forward on llvmpipe). The input gradient also has `adjacent`
 * kernels (dgrad_adjacent: 1.7–2× faster at stride 2; 16 pixels halve the weight loads again;
 * 8 channels × 16 pixels, `adjacent-wide16`, ran the stride-1 16→16 layer 1.3× faster than any other
 * variant on lavapipe, and stride 2 three times slower, which the tuner sees), the
 * weight gradient `rows` kernels (wgrad_rows: every kernel row per invocation, 1.4–3× faster;
 * blocked still wins with one input channel). `packed` kernels (shaders/conv2d_packed.wgsl) read a
 * copy of the kernel packed in blocks of output channels (shaders/packed_kernel.wgsl) through a
 * uniform binding, four channels a load, and serve the stride-1 input gradient too (a forward
 * convolution of dy with the flipped kernel). The adjacent kernels read their weights packed the
 * same way (1.8–2.7× faster than from storage on lavapipe, 1.9× on OpenGL ES). `subgroup`
 * kernels (shaders/conv2d_subgroup.wgsl) are the packed ones with each cluster of 8 lanes sharing
 * its input and weight loads through subgroup shuffles (stride-2 forward 1.4–1.7× faster than
 * `packed` on lavapipe), and `adjacent-subgroup` (shaders/conv2d_dgrad_subgroup.wgsl) is
 * dgrad_adjacent the same way (1.1–1.6× at stride 2; with 16 pixels it ran 3–7× slower, as
 * adjacent-wide16 does at stride 2, so there is no such variant), and `rows-subgroup`
 * (shaders/conv2d_wgrad_subgroup.wgsl) is wgrad_rows with each dy value loaded by one lane of 8
 * instead of all of them. Only devices with subgroups of
 * 8 or more lanes run them, which rules out OpenGL ES. All of these need one block to fit a
 * uniform binding (fitsUniform); the other families run any shape.
 */
const KERNELS: Record<ConvPass, Record<string, ConvKernel>> = {
  fwd: {
    blocked: { family: 'blocked' },
    wide: { family: 'blocked', cv: 2 },
    packed: { family: 'packed', cv: 2, available: (g) => fitsUniform(g.c, g, 2) },
    packed16: { family: 'packed', cv: 2, px: 16, available: (g) => fitsPacked16(g) && fitsUniform(g.c, g, 2) },
    subgroup: { family: 'subgroup', cv: 2, available: (g) => hasClusters() && fitsSubgroupSpan(g, PX) && fitsUniform(g.c, g, 2) },
    subgroup16: { family: 'subgroup', cv: 2, px: 16, available: (g) => hasClusters() && fitsSubgroupSpan(g, 16) && fitsUniform(g.c, g, 2) },
    tiled: { family: 'tiled' },
  },
  dgrad: {
    blocked: { family: 'blocked' },
    wide: { family: 'blocked', cv: 2 },
    adjacent: { family: 'adjacent', available: (g) => fitsUniform(g.k, g, 1) },
    'adjacent-wide': { family: 'adjacent', cv: 2, available: (g) => fitsUniform(g.k, g, 2) },
    adjacent16: { family: 'adjacent', px: 16, available: (g) => fitsUniform(g.k, g, 1) },
    'adjacent-wide16': { family: 'adjacent', cv: 2, px: 16, available: (g) => fitsUniform(g.k, g, 2) },
    'adjacent-subgroup': { family: 'adjacent-subgroup', cv: 2, available: (g) => hasClusters() && fitsUniform(g.k, g, 2) },
    packed: { family: 'packed', cv: 2, available: (g) => flipsToForward(g) && fitsUniform(g.k, g, 2) },
    packed16: { family: 'packed', cv: 2, px: 16, available: (g) => flipsToForward(g) && fitsUniform(g.k, g, 2) },
    subgroup: { family: 'subgroup', cv: 2, available: (g) => flipsToForward(g) && hasClusters() && fitsSubgroupSpan(g, PX) && fitsUniform(g.k, g, 2) },
    subgroup16: { family: 'subgroup', cv: 2, px: 16, available: (g) => flipsToForward(g) && hasClusters() && fitsSubgroupSpan(g, 16) && fitsUniform(g.k, g, 2) },
    tiled: { family: 'tiled' },
  },
  wgrad: {
    blocked: { family: 'blocked' },
    rows: { family: 'rows', available: fitsRows },
    'rows-wide': { family: 'rows', cv: 2, available: fitsRows },
    'rows-subgroup': { family: 'rows-subgroup', available: (g) => hasClusters() && fitsRows(g) },
    'rows-wide-subgroup': { family: 'rows-subgroup', cv: 2, available: (g) => hasClusters() && fitsRows(g) },
    tiled: { family: 'tiled' },
  },
};
/** Every variant of each pass, whether or not it runs a given shape (see convVariants). */
export const CONV_VARIANTS: Readonly<Record<ConvPass, readonly string[]>> = {
  fwd: Object.keys(KERNELS.fwd),
  dgrad: Object.keys(KERNELS.dgrad),
  wgrad: Object.keys(KERNELS.wgrad),
};

/** The variants of `pass` that run shape `g`: what the tuner times, and what a caller may force. */
export function convVariants(pass: ConvPass, g: ConvGeometry): string[] {
  return CONV_VARIANTS[pass].filter((v) => KERNELS[pass][v].available?.(g) ?? true);
}
/** What runs before tuning (and with AEGL_TUNE=0): the family lavapipe runs best. */
const DEFAULT_VARIANT = 'blocked';

function kernelOf(pass: ConvPass, variant: string, g: ConvGeometry): ConvKernel {
  const k = KERNELS[pass][variant];
  if (!k) throw new Error(`conv2d: no ${pass} variant "${variant}" (have ${CONV_VARIANTS[pass].join(', ')})`);
  if (k.available && !k.available(g)) throw new Error(`conv2d: ${pass} variant "${variant}" does not run ${geometryKey(g)}`);
  return k;
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

const WG = 64;
/** Row segment a blocked invocation keeps per tap row: SPAN in shaders/conv2d.wgsl. */
const SPAN = 24;
/** Pixels per blocked forward / input-gradient invocation: PX (≤ MAX_PX) in the shader. */
const PX = 8;
/** Kernel widths the blocked weight gradient keeps in registers: MAX_S in the shader. */
const MAX_S = 8;
/** Tiled GEMM tile, as TM/TN/TK in the shader. */
const TILE = 32;
/** Weight gradient: output rows per split of the reduction; splits are summed by a second kernel. */
const SPLIT_TARGET = 64;

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
  if ((PX - 1) * stride + s > SPAN || s > MAX_S) throw new Error(`conv2d: kernel width ${s} with stride ${stride} is not supported`);
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
  const n = 2 ** Math.ceil(Math.log2(g.n));
  return `${n}x${g.c}x${g.h}x${g.w}-k${g.k}x${g.r}x${g.s}-s${g.stride}p${g.pad}`;
}

export function parseGeometryKey(key: string): ConvGeometry {
  const m = /^(\d+)x(\d+)x(\d+)x(\d+)-k(\d+)x(\d+)x(\d+)-s(\d+)p(\d+)$/.exec(key);
  if (!m) throw new Error(`conv2d: bad shape key "${key}"`);
  const [n, c, h, w, k, r, s, stride, pad] = m.slice(1).map(Number);
  return convGeometry([n, c, h, w], [k, c, r, s], stride, pad);
}

function constants(g: ConvGeometry, extra: Record<string, number> = {}): Record<string, number> {
  const { n, c, h, w, k, r, s, stride, pad, ho, wo } = g;
  return { NB: n, C: c, H: h, W: w, K: k, R: r, S: s, ST: stride, P: pad, HO: ho, WO: wo, PX, ...extra };
}

/** Pixels per dgrad_adjacent invocation: a multiple of the stride. */
const dgradPx = (g: ConvGeometry, px: number) => g.stride * Math.max(1, Math.floor(px / g.stride));

export function convForward(g: ConvGeometry, x: Tensor, w: Tensor, b: Tensor | null, variant: string): Tensor {
  const k = kernelOf('fwd', variant, g);
  if (k.family === 'packed' || k.family === 'subgroup') return forwardPacked(g, x, w, b, false, k);
  const y = Tensor.empty([g.n, g.k, g.ho, g.wo]);
  const cv = k.cv ?? 1;
  const spec = { shader: 'conv2d', entry: `fwd_${k.family}`, constants: constants(g, { HAS_BIAS: b ? 1 : 0, CV: cv }) };
  // Without a bias, w fills the bias slot: the binding must exist, and HAS_BIAS=0 never reads it.
  const bindings = [x, w, b ?? w, y];
  if (k.family === 'blocked') {
    const [gx, gy] = grid1d(Math.ceil((g.n * g.ho * Math.ceil(g.wo / PX)) / WG));
    engine().run(spec, bindings, [gx, gy, Math.ceil(g.k / (4 * cv))]);
  } else {
    engine().run(spec, bindings, [...grid1d(Math.ceil((g.n * g.ho * g.wo) / TILE)), Math.ceil(g.k / TILE)]);
  }
  return y;
}

interface PackedKernel {
  tensor: Tensor;
  blocks: number;
  /** vec4s from one block to the next: BLOCK4 in shaders/packed_kernel.wgsl. */
  block4: number;
  perDispatch: number;
}

/**
 * conv2d_packed.pack_weights: w in blocks of 4·cv of the `produced` channels, each [summed][R][S]
 * of cv vec4s. transpose: w is [summed][produced][R][S] (an input gradient's forward kernel);
 * flip: taps reversed. The tensor is long enough for every dispatch to bind a full uniform range;
 * a dispatch's workgroups take perWorkgroup blocks each.
 */
function packKernel(w: Tensor, summed: number, produced: number, g: ConvGeometry, cv: number, transpose: boolean, flip: boolean, perWorkgroup = 1): PackedKernel {
  const blocks = Math.ceil(produced / (4 * cv));
  const block4 = packedBlockVec4s(summed, g, cv);
  const blockBytes = block4 * 16;
  // Whole workgroups' worth of blocks per dispatch, or a workgroup would read past its binding.
  const perDispatch = Math.min(blocks, Math.floor(blocksPerBinding(summed, g, cv) / perWorkgroup) * perWorkgroup);
  const lastFirst = Math.floor((blocks - 1) / perDispatch) * perDispatch;
  const tensor = Tensor.empty([Math.max(blocks * blockBytes, lastFirst * blockBytes + UNIFORM_BYTES) / 4]);
  const consts = { C: summed, K: produced, R: g.r, S: g.s, CV: cv, BLOCK4: block4, TRANSPOSE: transpose ? 1 : 0, FLIP: flip ? 1 : 0 };
  engine().run({ shader: 'conv2d_packed', entry: 'pack_weights', constants: consts }, [w, tensor], grid1d(Math.ceil((blocks * block4 * 4) / WG)));
  return { tensor, blocks, block4, perDispatch };
}

/**
 * Records one dispatch per group of blocks that fits a uniform binding: `run` gets that group's
 * kernel range (a uniform binding), its first block (the Dispatch uniform) and its block count.
 */
function forEachBlockGroup(p: PackedKernel, run: (kernel: Bindable, first: Uint32Array, count: number) => void): void {
  for (let first = 0; first < p.blocks; first += p.perDispatch) {
    const kernel = { buffer: p.tensor.buffer, byteOffset: first * p.block4 * 16, byteLength: UNIFORM_BYTES };
    run(kernel, new Uint32Array([first]), Math.min(p.perDispatch, p.blocks - first));
  }
}

/**
 * shaders/conv2d_packed.wgsl (or conv2d_subgroup.wgsl): packs w, then convolves (fwd_packed,
 * fwd_subgroup). With flip, w is the forward kernel [g.c][g.k][R][S] of an input gradient,
 * flipped as it is packed, and the convolution g runs as dgrad_packed (dgrad_subgroup).
 */
function forwardPacked(g: ConvGeometry, x: Tensor, w: Tensor, b: Tensor | null, flip: boolean, k: ConvKernel): Tensor {
  const cv = k.cv ?? 1;
  const px = k.px ?? PX;
  const subgroup = k.family === 'subgroup';
  // A subgroup workgroup takes bl channel blocks.
  const bl = subgroup ? clusterBlocks(g.c, g.k, g, cv) : 1;
  const packed = packKernel(w, g.c, g.k, g, cv, flip, flip, bl);
  const y = Tensor.empty([g.n, g.k, g.ho, g.wo]);
  const consts = constants(g, { CV: cv, PX: px, BLOCK4: packed.block4, HAS_BIAS: b ? 1 : 0, ...(subgroup ? { BL: bl } : {}) });
  const spec = { shader: subgroup ? 'conv2d_subgroup' : 'conv2d_packed', entry: `${flip ? 'dgrad' : 'fwd'}_${k.family}`, constants: consts };
  const groups = g.n * g.ho * Math.ceil(g.wo / px);
  const lanes = subgroup ? clusterLanes(groups, bl) : groups;
  const [gx, gy] = grid1d(Math.ceil(lanes / WG));
  // Without a bias, x fills the bias slot: the binding must exist, and HAS_BIAS=0 never reads it.
  forEachBlockGroup(packed, (kernel, first, count) => engine().run(spec, [x, kernel, b ?? x, y], [gx, gy, Math.ceil(count / bl)], first));
  packed.tensor.dispose();
  return y;
}

export function convInputGrad(g: ConvGeometry, dy: Tensor, w: Tensor, variant: string): Tensor {
  const k = kernelOf('dgrad', variant, g);
  if (k.family === 'packed' || k.family === 'subgroup') {
    // dx = dy ⊛ flip(w)ᵀ with padding r − 1 − pad: the forward kernel, run on dy.
    const flipped = { ...g, c: g.k, h: g.ho, w: g.wo, k: g.c, pad: g.r - 1 - g.pad, ho: g.h, wo: g.w };
    return forwardPacked(flipped, dy, w, null, true, k);
  }
  const dx = Tensor.empty([g.n, g.c, g.h, g.w]);
  const cv = k.cv ?? 1;
  if (k.family === 'blocked') {
    const spec = { shader: 'conv2d', entry: 'dgrad_blocked', constants: constants(g, { CV: cv }) };
    const [gx, gy] = grid1d(Math.ceil((g.n * g.h * Math.ceil(Math.ceil(g.w / g.stride) / PX)) / WG));
    engine().run(spec, [dy, w, dx], [gx, gy, Math.ceil(g.c / (4 * cv)) * g.stride]);
  } else if (k.family === 'adjacent' || k.family === 'adjacent-subgroup') {
    const px = dgradPx(g, k.px ?? PX);
    const subgroup = k.family === 'adjacent-subgroup';
    // A subgroup workgroup takes bl channel blocks.
    const bl = subgroup ? clusterBlocks(g.k, g.c, g, cv) : 1;
    const packed = packKernel(w, g.k, g.c, g, cv, true, false, bl);
    const consts = constants(g, { CV: cv, PX: px, BLOCK4: packed.block4, ...(subgroup ? { BL: bl } : {}) });
    const spec = subgroup
      ? { shader: 'conv2d_dgrad_subgroup', entry: 'dgrad_adjacent_subgroup', constants: consts }
      : { shader: 'conv2d', entry: 'dgrad_adjacent', constants: consts };
    // Workgroups of one z share the row residue iy mod stride: rows of the most populous residue.
    const groups = g.n * Math.ceil(g.h / g.stride) * Math.ceil(g.w / px);
    const lanes = subgroup ? clusterLanes(groups, bl) : groups;
    const [gx, gy] = grid1d(Math.ceil(lanes / WG));
    forEachBlockGroup(packed, (kernel, first, count) => engine().run(spec, [dy, kernel, dx], [gx, gy, Math.ceil(count / bl) * g.stride], first));
    packed.tensor.dispose();
  } else {
    const spec = { shader: 'conv2d', entry: 'dgrad_tiled', constants: constants(g) };
    engine().run(spec, [dy, w, dx], [...grid1d(Math.ceil((g.n * g.h * g.w) / TILE)), Math.ceil(g.c / TILE)]);
  }
  return dx;
}

export function convWeightGrad(g: ConvGeometry, x: Tensor, dy: Tensor, variant: string): Tensor {
  const k = kernelOf('wgrad', variant, g);
  const rows = g.n * g.ho;
  const splitRows = Math.ceil(rows / Math.min(rows, SPLIT_TARGET));
  const splits = Math.ceil(rows / splitRows);
  const parts = Tensor.empty([splits, g.k, g.c, g.r, g.s]);
  const cv = k.cv ?? 1;
  const consts = constants(g, { SPLIT_ROWS: splitRows, CV: cv });
  const spec =
    k.family === 'rows-subgroup'
      ? { shader: 'conv2d_wgrad_subgroup', entry: 'wgrad_rows_subgroup', constants: consts }
      : { shader: 'conv2d', entry: `wgrad_${k.family}`, constants: consts };
  if (k.family !== 'tiled') {
    const lanes = k.family === 'blocked' ? g.c * g.r : g.c;
    engine().run(spec, [x, dy, parts], [Math.ceil(lanes / 16), Math.ceil(g.k / (4 * cv)), splits]);
  } else {
    engine().run(spec, [x, dy, parts], [Math.ceil((g.c * g.r * g.s) / TILE), Math.ceil(g.k / TILE), splits]);
  }
  const dw = Tensor.empty([g.k, g.c, g.r, g.s]);
  engine().run({ shader: 'conv2d', entry: 'sum_splits', constants: { SPLITS: splits } }, [parts, dw], grid1d(Math.ceil(dw.size / WG)));
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
    options.variants?.[pass] ?? chooseVariant(`conv2d.${pass}`, key, convVariants(pass, g), DEFAULT_VARIANT);
  const y = convForward(g, x, w, b, pick('fwd'));
  return record(y, 'conv2d', b ? [x, w, b] : [x, w], (dy, needs) => [
    needs[0] ? convInputGrad(g, dy, w, pick('dgrad')) : null,
    needs[1] ? convWeightGrad(g, x, dy, pick('wgrad')) : null,
    needs[2] ? convBiasGrad(g, dy) : null,
  ]);
}
