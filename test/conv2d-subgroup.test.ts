// The subgroup kernels (shaders/conv2d_subgroup.wgsl, conv2d_dgrad_subgroup.wgsl,
// conv2d_wgrad_subgroup.wgsl) on the Vulkan adapter: the CPU default, OpenGL ES, has no
// subgroups, so test/conv2d.test.ts never runs them.
import { describe, expect, it } from 'vitest';
import { initEngine } from '../src/gpu/engine.js';
import { convGeometry, convVariants } from '../src/ops/conv.js';
import { awkward, check, label, layers, type Case, type Variants } from './helpers/conv-cases.js';
import { useEngine } from './helpers/gpu.js';

process.env.AEGL_TUNE = '0';
// Open now, not in beforeAll: which variants run a shape depends on the device, and the cases
// below are listed when the file loads.
await initEngine({ adapter: 'vulkan' });
useEngine();

const SUBGROUP = /subgroup/;

// Each subgroup variant of each pass that runs the shape, the other passes on their first variant.
function subgroupCombos(d: Case): Variants[] {
  const g = convGeometry([d.n, d.c, d.h, d.w], [d.k, d.c, d.r, d.s], d.stride, d.pad);
  const fwd = convVariants('fwd', g).filter((v) => SUBGROUP.test(v)).map((v) => ({ fwd: v, dgrad: 'blocked', wgrad: 'blocked' }));
  const dgrad = convVariants('dgrad', g).filter((v) => SUBGROUP.test(v)).map((v) => ({ fwd: 'blocked', dgrad: v, wgrad: 'blocked' }));
  const wgrad = convVariants('wgrad', g).filter((v) => SUBGROUP.test(v)).map((v) => ({ fwd: 'blocked', dgrad: 'blocked', wgrad: v }));
  return [...fwd, ...dgrad, ...wgrad];
}

describe('conv2d subgroup kernels match the float64 reference (Vulkan)', () => {
  it('lavapipe offers them on a ResNet-32 layer', () => {
    const g = convGeometry([2, 16, 32, 32], [16, 16, 3, 3], 1, 1);
    expect(convVariants('fwd', g)).toEqual(expect.arrayContaining(['subgroup', 'subgroup16']));
    expect(convVariants('dgrad', g)).toEqual(expect.arrayContaining(['subgroup', 'subgroup16', 'adjacent-subgroup']));
    expect(convVariants('wgrad', g)).toEqual(expect.arrayContaining(['rows-subgroup', 'rows-wide-subgroup']));
  });
  for (const d of awkward) for (const v of subgroupCombos(d)) it(`${label(v)}: awkward ${JSON.stringify(d)}`, () => check(d, v));
  for (const [name, d] of layers) for (const v of subgroupCombos(d)) it(`${label(v)}: ${name}`, () => check(d, v, true));
});
