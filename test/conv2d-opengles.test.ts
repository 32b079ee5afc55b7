// conv2d on Dawn's OpenGL ES adapter, which the engine still supports (`--adapter opengles`) but
// does not open by default: its kernels must pass too, and it runs no subgroup variants.
import { describe, expect, it } from 'vitest';
import { initEngine } from '../src/gpu/engine.js';
import { CONV_PASSES, convGeometry, convVariants } from '../src/ops/conv.js';
import { awkward, check, combos, label, layers } from './helpers/conv-cases.js';
import { useEngine } from './helpers/gpu.js';

process.env.AEGL_TUNE = '0';
// Open now, not in beforeAll: the cases below are listed when the file loads.
await initEngine({ adapter: 'opengles' });
const engine = useEngine();

describe('conv2d matches the float64 reference on OpenGL ES', () => {
  it('the adapter is OpenGL ES, without subgroups', () => {
    expect(engine.get().gpu.summary.backend).toBe('opengles');
    const g = convGeometry([2, 16, 32, 32], [16, 16, 3, 3], 1, 1);
    expect(CONV_PASSES.flatMap((p) => convVariants(p, g)).filter((v) => v.includes('subgroup'))).toEqual([]);
  });
  for (const d of awkward) for (const v of combos(d)) it(`${label(v)}: awkward ${JSON.stringify(d)}`, () => check(d, v));
  for (const [name, d] of layers) for (const v of combos(d)) it(`${label(v)}: ${name}`, () => check(d, v, true));
});
