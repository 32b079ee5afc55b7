// Dispatch sizes for grid-stride kernels, whose invocations loop
// `for (i = first; i < total; i += invocations in the dispatch)`, so any dispatch size is correct.
// Measured on lavapipe: each workgroup costs ~1.2 µs, so a 2M-value elementwise kernel with one
// invocation per value (8192 workgroups) took 13.6 ms, the same kernel over 2–256 workgroups
// 3.5–5 ms (a buffer copy: 0.4 ms). Real GPUs want one invocation per value.
import { engine, grid1d } from './engine.js';

export const GRID_VARIANTS = ['spread', 'narrow'] as const;
export type GridVariant = (typeof GRID_VARIANTS)[number];
/** Workgroups of the narrow variant: enough for a many-core CPU, few enough to pay no overhead. */
export const NARROW_WORKGROUPS = 64;

/** Narrow on software adapters (lavapipe), spread elsewhere. */
export function defaultGridVariant(): GridVariant {
  return engine().gpu.summary.isFallback ? 'narrow' : 'spread';
}

/** Workgroup counts for `invocations` invocations of `workgroupSize`, folded as grid1d when spread. */
export function strideGrid(invocations: number, workgroupSize: number, variant: GridVariant = defaultGridVariant()): [number, number] {
  const groups = Math.ceil(invocations / workgroupSize);
  return variant === 'narrow' ? [Math.max(1, Math.min(NARROW_WORKGROUPS, groups)), 1] : grid1d(groups);
}
