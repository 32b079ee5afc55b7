import { describe, expect, it } from 'vitest';
import { grid1d } from '../src/gpu/engine.js';
import { NARROW_WORKGROUPS, strideGrid } from '../src/gpu/grid-stride.js';
import { useEngine } from './helpers/gpu.js';

useEngine();

describe('strideGrid', () => {
  it('spreads one invocation per item (folded like grid1d) or caps the workgroups when narrow', () => {
    for (const n of [1, 255, 257, 1 << 20, 70000 * 256]) {
      expect(strideGrid(n, 256, 'spread')).toEqual(grid1d(Math.ceil(n / 256)));
      expect(strideGrid(n, 256, 'narrow')).toEqual([Math.min(NARROW_WORKGROUPS, Math.ceil(n / 256)), 1]);
    }
    expect(strideGrid(0, 64, 'narrow')).toEqual([1, 1]);
  });
});
