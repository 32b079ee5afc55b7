// The conv2d kernel variants as data: per pass, each variant names its shader and entry point,
// its constants, how its weights are read, its dispatch grid and the shapes it runs. src/ops/conv.ts
// launches any of them from these fields alone.
import { grid1d, openEngine } from '../gpu/engine.js';
import type { ConvGeometry } from './conv.js';

export type ConvPass = 'fwd' | 'dgrad' | 'wgrad';
export const CONV_PASSES: readonly ConvPass[] = ['fwd', 'dgrad', 'wgrad'];

/**
 * Constants the launchers rely on, as the shaders declare them (`const NAME = …u;`, or an override's
 * default: the clustered kernels' WG): test/conv-variants.test.ts reads each shader and checks
 * every value here.
 */
export const SHADER_CONSTANTS = {
  conv2d: { WG: 64, SPAN: 24, MAX_PX: 16, MAX_CV: 2, MAX_S: 8, MAX_TAPS: 9, TM: 32, TN: 32 },
  conv2d_packed: { WG: 64, SPAN: 40, MAX_ACC: 32, WS: 16 },
  conv2d_subgroup: { WG: 64, LANES: 8, SPAN: 40, MAX_ACC: 32, WS: 16 },
  conv2d_dgrad_subgroup: { WG: 64, LANES: 8, MAX_ACC: 32, WS: 16 },
  conv2d_wgrad_subgroup: { LANES: 8, MAX_TAPS: 9, MAX_CV: 4 },
  conv2d_wgrad_vec4: { LANES: 8, MAX_TAPS: 9, MAX_CV: 4 },
  packed_kernel: { UNIFORM_VEC4S: 4096 },
} as const;

const { WG, SPAN, MAX_S, MAX_TAPS, TM, TN } = SHADER_CONSTANTS.conv2d;
/** Pixels per register-blocked invocation: PX's default in shaders/conv2d.wgsl. */
export const PX = 8;
/**
 * The weight gradient's reduction over output rows runs in about this many splits by default,
 * summed by a second kernel: workgroups for a GPU to spread.
 */
export const WGRAD_SPLITS = 64;
/** Invocations per workgroup of the weight-gradient kernels… */
const WGRAD_WG = 16;
/** …and of the GEMM tiles (8 × 8, a 4 × 4 block of the tile each). */
const TILE_LANES = 64;
/** The packed kernel blocks are read through a uniform binding of this size (shaders/packed_kernel.wgsl)… */
export const UNIFORM_BYTES = SHADER_CONSTANTS.packed_kernel.UNIFORM_VEC4S * 16;
/** The subgroup kernels share loads within clusters of this many lanes. */
export const SUBGROUP_LANES = SHADER_CONSTANTS.conv2d_subgroup.LANES;

/** Where a geometry is refused outright: the blocked kernels' row segment (SPAN) and widths (MAX_S). */
export const fitsBlocked = (g: Pick<ConvGeometry, 'stride' | 's'>) => (PX - 1) * g.stride + g.s <= SPAN && g.s <= MAX_S;

/** …and start at a multiple of 16 vec4s (256 bytes, WebGPU's largest uniform offset alignment). */
export const packedBlockVec4s = (summed: number, g: ConvGeometry, cv: number) => Math.ceil((summed * g.r * g.s * cv) / 16) * 16;
/** Kernel blocks of 4·cv produced channels, summing over `summed` channels, that one uniform binding holds. */
export const blocksPerBinding = (summed: number, g: ConvGeometry, cv: number) => Math.floor(UNIFORM_BYTES / (packedBlockVec4s(summed, g, cv) * 16));

/** Channel blocks per cluster (BL): up to 4 (8 ran no faster on lavapipe), a power of two that a uniform binding holds. */
export function clusterBlocks(summed: number, produced: number, g: ConvGeometry, cv: number): number {
  const blocks = Math.min(Math.ceil(produced / (4 * cv)), blocksPerBinding(summed, g, cv), 4);
  return 2 ** Math.floor(Math.log2(blocks));
}

/** The stride-1 input gradient as a forward convolution of dy with the flipped kernel: the forward's geometry. */
export const flippedForward = (g: ConvGeometry): ConvGeometry => ({ ...g, c: g.k, h: g.ho, w: g.wo, k: g.c, pad: g.r - 1 - g.pad, ho: g.h, wo: g.w });

/** What a launcher knows when it asks a variant for its grid. */
export interface Launch {
  /** Pixels per invocation, as passed to the shader (PX). */
  px: number;
  /** Channel blocks per workgroup (BL; 1 without clusters). */
  bl: number;
  /** Channel blocks this dispatch produces (packed weights: one uniform binding's group of blocks). */
  blocks: number;
  /** Weight gradient: splits of the reduction over output rows. */
  splits: number;
}

/**
 * One variant of one pass. The launcher binds, per pass:
 *   fwd:   x, weights, bias, y (packed: weights is one uniform range of the packed kernel per dispatch);
 *   dgrad: dy, weights, dx — or, with `flipsToForward`, the forward launch on dy with the flipped kernel;
 *   wgrad: x, dy, per-split partial sums (then `sum_splits`).
 */
export interface ConvVariant {
  /** shaders/<shader>.wgsl… */
  shader: string;
  /** …and its entry point. */
  entry: string;
  /** Channel vec4s per invocation (CV). */
  cv: number;
  /** Pixels per invocation (PX) for this geometry. */
  px: (g: ConvGeometry) => number;
  /** Output channels per channel block: 4·CV for register-blocked kernels, TN for a GEMM tile. */
  block: number;
  /**
   * 'storage': weights read as they are; 'packed': a copy packed in blocks of 4·CV produced
   * channels (shaders/packed_kernel.wgsl), read through a uniform binding, one dispatch per
   * binding's worth of blocks.
   */
  weights: 'storage' | 'packed';
  /** Lanes share loads in clusters of SUBGROUP_LANES through subgroup shuffles; a workgroup takes BL channel blocks. */
  clusters: boolean;
  /** dgrad only: dx = dy ⊛ flip(w)ᵀ, run as this shader's forward on dy. */
  flipsToForward?: boolean;
  /**
   * wgrad only: about how many splits the reduction over output rows takes (WGRAD_SPLITS when
   * absent). More splits, more workgroups to spread; fewer, fewer partial sums to write and add up.
   */
  splits?: number;
  /** Invocations per workgroup, as the entry point's @workgroup_size declares (checked by the test). */
  workgroup: number;
  /** Workgroups for one dispatch, of `workgroup` invocations each (the field above). */
  grid: (g: ConvGeometry, launch: Launch, workgroup: number) => [number, number, number];
  /** The shapes it runs (all when absent). */
  available?: (g: ConvGeometry) => boolean;
  /**
   * Kept for the bench and the tests, never tuned over in training: no tuner has chosen it on a
   * measured adapter (bench/results/tuner-choices.json and the bench rows' `tuner` column; checked
   * by test/conv-variants.test.ts). A bench row where it beats the tuner's pick is the cue to promote it.
   */
  lab?: boolean;
}

const hasClusters = () => (openEngine()?.gpu.subgroupMinSize ?? 0) >= SUBGROUP_LANES;
const fitsRows = (g: ConvGeometry) => g.r * g.s <= MAX_TAPS;
/** 3 columns, stride 1, padding 1: the output rows as wide as the input's, its columns ox − 1 … ox + 1. */
const threeColumnsSame = (g: ConvGeometry) => g.s === 3 && g.stride === 1 && g.pad === 1;
/** conv2d_wgrad_vec4.wgsl: 3×3, stride 1, padding 1, rows in whole vec4s. */
const fitsVec4Rows = (g: ConvGeometry) => g.r === 3 && threeColumnsSame(g) && g.w % 4 === 0;
const fitsUniform = (summed: number, g: ConvGeometry, cv: number) => blocksPerBinding(summed, g, cv) >= 1;
/** A kernel row's S·CV weight vec4s, held in arrays of WS (S ≤ 8 with CV = 2, S ≤ 4 with CV = 4). */
const fitsRow = (shader: 'conv2d_packed' | 'conv2d_subgroup' | 'conv2d_dgrad_subgroup', g: ConvGeometry, cv: number) => g.s * cv <= SHADER_CONSTANTS[shader].WS;
/** (PX − 1)·stride + S input columns per pixel group: SPAN of the packed and subgroup shaders. */
const fitsSpan = (shader: 'conv2d_packed' | 'conv2d_subgroup', g: ConvGeometry, px: number) => (px - 1) * g.stride + g.s <= SHADER_CONSTANTS[shader].SPAN;
/**
 * conv_subgroup_vec4 (conv2d_subgroup.wgsl) on forward geometry g: 3 columns, stride 1, padding 1,
 * rows of whole PX-pixel groups, as many groups a row as divide a cluster's groups (8 / BL).
 */
const fitsVec4Groups = (g: ConvGeometry, cv: number) =>
  threeColumnsSame(g) && g.w % PX === 0 && (SUBGROUP_LANES / clusterBlocks(g.c, g.k, g, cv)) % (g.w / PX) === 0;
/** The input gradient as a forward convolution of dy with the flipped kernel: stride 1, square kernel, padding < kernel. */
const flipsToForward = (g: ConvGeometry) => g.stride === 1 && g.r === g.s && g.pad < g.r;
/** Pixels per dgrad_adjacent invocation: a multiple of the stride. */
const adjacentPx = (px: number) => (g: ConvGeometry) => g.stride * Math.max(1, Math.floor(px / g.stride));
const fixedPx = (px: number) => () => px;

/** Lanes for `groups` pixel groups, in clusters of bl channel blocks × (lanes / bl) pixel groups when clustered. */
const lanesFor = (groups: number, { bl }: Launch, clusters: boolean) =>
  clusters ? Math.ceil(groups / (SUBGROUP_LANES / bl)) * SUBGROUP_LANES : groups;

/** Forward-shaped kernels: one invocation per px pixels of an output row; z: channel blocks. */
const rowGrid =
  (clusters: boolean) =>
  (g: ConvGeometry, l: Launch, workgroup: number): [number, number, number] => [
    ...grid1d(Math.ceil(lanesFor(g.n * g.ho * Math.ceil(g.wo / l.px), l, clusters) / workgroup)),
    Math.ceil(l.blocks / l.bl),
  ];
/** dgrad by row residue: one invocation per px pixels of an input row of one residue iy mod stride; z: channel blocks × residues. */
const residueGrid =
  (clusters: boolean) =>
  (g: ConvGeometry, l: Launch, workgroup: number): [number, number, number] => [
    ...grid1d(Math.ceil(lanesFor(g.n * Math.ceil(g.h / g.stride) * Math.ceil(g.w / l.px), l, clusters) / workgroup)),
    Math.ceil(l.blocks / l.bl) * g.stride,
  ];
/** dgrad_blocked: one invocation per PX input pixels of one column residue ix mod stride; z: channel blocks × residues. */
const columnResidueGrid = (g: ConvGeometry, l: Launch, workgroup: number): [number, number, number] => [
  ...grid1d(Math.ceil((g.n * g.h * Math.ceil(Math.ceil(g.w / g.stride) / l.px)) / workgroup)),
  l.blocks * g.stride,
];
/** Implicit GEMM tiles of TM pixels (fwd: output, dgrad: input) × TN channels. */
const tileGrid =
  (pixels: (g: ConvGeometry) => number) =>
  (g: ConvGeometry, l: Launch): [number, number, number] => [...grid1d(Math.ceil(pixels(g) / TM)), l.blocks];
/** Weight gradient: x over input channels (× kernel rows), y over output-channel blocks, z over splits. */
const wgradGrid =
  (lanes: (g: ConvGeometry) => number) =>
  (g: ConvGeometry, l: Launch, workgroup: number): [number, number, number] => [Math.ceil(lanes(g) / workgroup), l.blocks, l.splits];

/** A variant with the register-blocked defaults: CV 1, PX 8, blocks of 4·CV channels, weights from storage, no clusters, WG lanes. */
function variant(v: Pick<ConvVariant, 'shader' | 'entry' | 'grid'> & Partial<ConvVariant>): ConvVariant {
  const cv = v.cv ?? 1;
  return { cv, px: fixedPx(PX), block: 4 * cv, weights: 'storage', clusters: false, workgroup: WG, ...v };
}
function blocked(entry: string, cv: number, grid: ConvVariant['grid'], extra: Partial<ConvVariant> = {}): ConvVariant {
  return variant({ shader: 'conv2d', entry, cv, grid, workgroup: entry.startsWith('wgrad') ? WGRAD_WG : WG, ...extra });
}
function tiled(entry: string, grid: ConvVariant['grid']): ConvVariant {
  return variant({ shader: 'conv2d', entry, block: TN, workgroup: TILE_LANES, grid, lab: true });
}
/**
 * Packed forward-shaped kernels (conv2d_packed.wgsl, or conv2d_subgroup.wgsl with clusters), forward
 * or flipped input gradient; `rowVec4`: the subgroup kernel's entry points reading rows as vec4s.
 */
function packed(pass: 'fwd' | 'dgrad', px: number, clusters: boolean, cv = 2, rowVec4 = false): ConvVariant {
  const shader = clusters ? 'conv2d_subgroup' : 'conv2d_packed';
  const fits = (g: ConvGeometry) => fitsSpan(shader, g, px) && fitsRow(shader, g, cv) && fitsUniform(pass === 'fwd' ? g.c : g.k, g, cv) && (!clusters || hasClusters());
  const entry = `${pass}_${clusters ? 'subgroup' : 'packed'}${rowVec4 ? '_vec4' : ''}`;
  const base = { shader, entry, cv, px: fixedPx(px), weights: 'packed' as const, clusters, grid: rowGrid(clusters) };
  if (pass === 'fwd') return variant({ ...base, available: (g) => fits(g) && (!rowVec4 || fitsVec4Groups(g, cv)) });
  return variant({ ...base, flipsToForward: true, available: (g) => flipsToForward(g) && fits(g) && (!rowVec4 || fitsVec4Groups(flippedForward(g), cv)) });
}
/** dgrad_adjacent (conv2d.wgsl, or conv2d_dgrad_subgroup.wgsl with clusters) on the transposed packed kernel. */
function adjacent(cv: number, px: number, clusters: boolean): ConvVariant {
  const [shader, entry] = clusters ? ['conv2d_dgrad_subgroup', 'dgrad_adjacent_subgroup'] : ['conv2d', 'dgrad_adjacent'];
  const available = (g: ConvGeometry) => fitsUniform(g.k, g, cv) && (!clusters || (fitsRow('conv2d_dgrad_subgroup', g, cv) && hasClusters()));
  return variant({ shader, entry, cv, px: adjacentPx(px), weights: 'packed', clusters, grid: residueGrid(clusters), available });
}
/** wgrad_rows (conv2d.wgsl, or conv2d_wgrad_subgroup.wgsl sharing dy loads among a channel block's lanes: no BL; `extra` for its vec4 twin). */
function rows(cv: number, subgroup: boolean, extra: Partial<ConvVariant> = {}): ConvVariant {
  const [shader, entry] = subgroup ? ['conv2d_wgrad_subgroup', 'wgrad_rows_subgroup'] : ['conv2d', 'wgrad_rows'];
  const available = (g: ConvGeometry) => fitsRows(g) && (!subgroup || hasClusters());
  return variant({ shader, entry, cv, workgroup: WGRAD_WG, grid: wgradGrid((g) => g.c), available, ...extra });
}

/**
 * The variants per pass, in the order the tuner times them; the first is the default: what runs
 * before tuning and with AEGL_TUNE=0, the reference the tuner checks the others against, and the
 * one kernel that runs every shape on every adapter, so it stays out of the lab whatever it wins.
 *
 * What each family buys on lavapipe (details in the shaders' headers): `wide` (CV = 2) feeds each
 * loaded value to twice the multiply-adds (forward 1.3–1.9×); `adjacent` input gradients take the
 * pixels sharing a row residue (1.7–2× at stride 2), `adjacent16` halve the weight loads again;
 * `rows` weight gradients keep all R·S taps in registers (1.4–3×); `packed` kernels read the
 * kernel through a uniform binding, four channels a load (1.25–2.7×); the `quad` ones take 16
 * output channels per lane (CV = 4), so each input value loaded feeds twice the multiply-adds
 * (ResNet-32's stride-1 layers 1.1–1.6× over CV = 2, ∂w 1.0–1.4×); the `vec4` ones read a 3-column
 * stride-1 layer's input rows as aligned vec4s (`rows-quad-vec4` ∂w 1.3–1.4× on 32-wide rows, slower
 * on 8; `subgroup-quad-vec4` forward and ∂x 1.0–1.3×, each as the tuner finds it); `-split16` sums ∂w
 * over 16 splits instead of WGRAD_SPLITS (64-channel and stride-2 layers 1.2×); the `subgroup` kernels share
 * input and weight loads in clusters of 8 lanes (stride-2 forward 1.4–1.7× over packed) and run
 * only where subgroups have 8 or more lanes, which rules out OpenGL ES. `tiled` is a workgroup-memory
 * implicit GEMM, the shape real GPUs favour; no measured adapter has chosen it yet.
 */
export const CONV_KERNELS: Record<ConvPass, Record<string, ConvVariant>> = {
  fwd: {
    blocked: blocked('fwd_blocked', 1, rowGrid(false)),
    wide: blocked('fwd_blocked', 2, rowGrid(false), { lab: true }),
    packed: packed('fwd', PX, false),
    packed16: packed('fwd', 16, false),
    subgroup: packed('fwd', PX, true),
    subgroup16: packed('fwd', 16, true),
    'subgroup-quad': packed('fwd', PX, true, 4),
    'subgroup-quad-vec4': packed('fwd', PX, true, 4, true),
    tiled: tiled('fwd_tiled', tileGrid((g) => g.n * g.ho * g.wo)),
  },
  dgrad: {
    blocked: blocked('dgrad_blocked', 1, columnResidueGrid),
    wide: blocked('dgrad_blocked', 2, columnResidueGrid, { lab: true }),
    adjacent: { ...adjacent(1, PX, false), lab: true },
    'adjacent-wide': adjacent(2, PX, false),
    adjacent16: adjacent(1, 16, false),
    'adjacent-wide16': adjacent(2, 16, false),
    'adjacent-subgroup': adjacent(2, PX, true),
    'adjacent-quad-subgroup': adjacent(4, PX, true),
    packed: packed('dgrad', PX, false),
    packed16: packed('dgrad', 16, false),
    subgroup: packed('dgrad', PX, true),
    subgroup16: packed('dgrad', 16, true),
    'subgroup-quad': packed('dgrad', PX, true, 4),
    'subgroup-quad-vec4': packed('dgrad', PX, true, 4, true),
    tiled: tiled('dgrad_tiled', tileGrid((g) => g.n * g.h * g.w)),
  },
  wgrad: {
    blocked: blocked('wgrad_blocked', 1, wgradGrid((g) => g.c * g.r)),
    rows: rows(1, false),
    'rows-wide': rows(2, false),
    'rows-subgroup': rows(1, true, { lab: true }),
    'rows-wide-subgroup': rows(2, true),
    'rows-quad-subgroup': rows(4, true),
    // On lavapipe the 64 splits' partial sums of a 64-channel layer are 2.3× its input and dy: 16 write a quarter.
    'rows-quad-subgroup-split16': rows(4, true, { splits: 16 }),
    'rows-quad-vec4': rows(4, true, { shader: 'conv2d_wgrad_vec4', entry: 'wgrad_vec4_subgroup', available: (g) => fitsVec4Rows(g) && hasClusters() }),
    tiled: tiled('wgrad_tiled', (g, l) => [Math.ceil((g.c * g.r * g.s) / TM), l.blocks, l.splits]),
  },
};

/** Every variant of each pass, lab ones included, whether or not it runs a given shape. */
export const CONV_VARIANTS: Readonly<Record<ConvPass, readonly string[]>> = {
  fwd: Object.keys(CONV_KERNELS.fwd),
  dgrad: Object.keys(CONV_KERNELS.dgrad),
  wgrad: Object.keys(CONV_KERNELS.wgrad),
};

/** The default variant of each pass (see CONV_KERNELS). */
export const defaultVariant = (pass: ConvPass): string => CONV_VARIANTS[pass][0];
