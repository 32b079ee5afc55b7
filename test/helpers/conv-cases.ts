// The conv2d cases every variant is checked on (test/conv2d.test.ts on the default adapter,
// test/conv2d-opengles.test.ts on OpenGL ES) and the check itself: forward, ∂x, ∂w and ∂b against
// the float64 reference.
import { CONV_PASSES, conv2d, convGeometry, convVariants, type ConvPass } from '../../src/ops/conv.js';
import { SHADER_CONSTANTS } from '../../src/ops/conv-variants.js';
import { conv2d as refConv, conv2dVjp, type ConvDims } from '../reference/conv2d.js';
import { freshSeed } from './gpu.js';
import { checkOp } from './opcheck.js';

export interface Case extends ConvDims {
  bias: boolean;
}

const c = (n: number, cin: number, h: number, w: number, k: number, r: number, s: number, stride: number, pad: number, bias: boolean): Case =>
  ({ n, c: cin, h, w, k, r, s, stride, pad, bias });

// Awkward shapes: batch 1, odd and non-square sizes, channels not divisible by 4 or 8, strides
// 1, 2 and 3, padding 0/1/2, 1×1, 3×3 and non-square kernels (3×4: more taps than wgrad_rows
// holds; 1×5: wider than a 16-channel variant's kernel row), bias on and off; one 3×3 stride-1
// padding-1 case over rows of two vec4s (the vec4 ∂w: carries across blocks, 18 channels in two
// blocks of 16).
export const awkward: Case[] = [
  c(1, 3, 7, 5, 5, 3, 3, 1, 1, true),
  c(2, 5, 9, 11, 6, 3, 3, 2, 1, false),
  c(1, 6, 7, 5, 7, 1, 1, 1, 0, false),
  c(3, 4, 6, 7, 9, 1, 1, 2, 0, true),
  c(2, 3, 5, 5, 2, 3, 3, 2, 0, true),
  c(1, 2, 8, 6, 3, 3, 3, 1, 0, false),
  c(2, 3, 4, 5, 5, 2, 3, 1, 2, true),
  c(1, 1, 1, 1, 1, 1, 1, 1, 0, true),
  c(1, 2, 3, 3, 4, 3, 3, 2, 1, false),
  c(2, 9, 7, 9, 10, 3, 3, 2, 1, true),
  c(1, 5, 6, 10, 3, 3, 3, 2, 2, false),
  c(1, 6, 8, 7, 7, 3, 3, 3, 1, false),
  c(1, 3, 5, 6, 9, 1, 3, 2, 0, true),
  c(1, 10, 2, 1, 12, 2, 1, 2, 0, false),
  c(2, 5, 6, 7, 6, 3, 4, 1, 1, true),
  c(1, 4, 6, 9, 8, 1, 5, 1, 2, true),
  c(2, 5, 3, 8, 18, 3, 3, 1, 1, true),
];

// The real layer shapes at batch 2: ResNet-32 (stem, three stages and the stride-2 transitions)
// and the Fashion-MNIST CNN; then two with large kernel blocks.
export const layers: [string, Case][] = [
  ['resnet32 stem 3→16 32×32', c(2, 3, 32, 32, 16, 3, 3, 1, 1, false)],
  ['resnet32 16→16 32×32', c(2, 16, 32, 32, 16, 3, 3, 1, 1, false)],
  ['resnet32 16→32 stride 2', c(2, 16, 32, 32, 32, 3, 3, 2, 1, false)],
  ['resnet32 32→32 16×16', c(2, 32, 16, 16, 32, 3, 3, 1, 1, false)],
  ['resnet32 32→64 stride 2', c(2, 32, 16, 16, 64, 3, 3, 2, 1, false)],
  ['resnet32 64→64 8×8', c(2, 64, 8, 8, 64, 3, 3, 1, 1, false)],
  ['fmnist 1→32 28×28', c(2, 1, 28, 28, 32, 3, 3, 1, 1, true)],
  ['fmnist 32→64 14×14', c(2, 32, 14, 14, 64, 3, 3, 1, 1, true)],
  // Kernel blocks near the 64 KiB uniform binding: one block per dispatch, several dispatches.
  ['200 summed channels', c(1, 200, 3, 5, 20, 3, 3, 1, 1, true)],
  ['300 summed channels in ∂x, stride 2', c(1, 6, 5, 4, 300, 3, 3, 2, 1, false)],
];

export type Variants = Record<ConvPass, string>;

/** The constants the launchers copy from a conv shader (SHADER_CONSTANTS), by the variant's shader name. */
export const shaderConstants = (shader: string): Record<string, number | undefined> => (SHADER_CONSTANTS as Record<string, Record<string, number>>)[shader] ?? {};

// Every variant of every pass that runs the shape, zipped: combination i runs the i-th variant of
// each pass (a pass with fewer repeats its last), so each kernel is checked forward and backward.
export function combos(d: ConvDims): Variants[] {
  const g = convGeometry([d.n, d.c, d.h, d.w], [d.k, d.c, d.r, d.s], d.stride, d.pad);
  const lists = CONV_PASSES.map((p) => convVariants(p, g));
  return Array.from({ length: Math.max(...lists.map((l) => l.length)) }, (_, i) =>
    Object.fromEntries(CONV_PASSES.map((p, k) => [p, lists[k][Math.min(i, lists[k].length - 1)]])) as Variants,
  );
}

export const label = (v: Variants) => CONV_PASSES.map((p) => `${p} ${v[p]}`).join(', ');

// The reference's VJP is validated by finite differences on the awkward shapes; at layer sizes
// that check costs minutes of CPU and tests the same loops again, so it is skipped there.
export function check(d: Case, variants: Variants, skipNumeric = false): Promise<void> {
  const shapes = [
    [d.n, d.c, d.h, d.w],
    [d.k, d.c, d.r, d.s],
  ];
  if (d.bias) shapes.push([d.k]);
  return checkOp({
    name: `conv2d ${label(variants)} stride ${d.stride} pad ${d.pad}${d.bias ? ' bias' : ''}`,
    shapes,
    gpu: ([x, w, b]) => conv2d(x, w, b ?? null, { stride: d.stride, padding: d.pad, variants }),
    ref: refConv(d),
    refVjp: conv2dVjp(d),
    seed: freshSeed(),
    skipNumeric,
  });
}

