import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHADER_DIR } from '../src/gpu/shader-files.js';
import { convGeometry } from '../src/ops/conv.js';
import { shaderConstants } from './helpers/conv-cases.js';
import { CONV_KERNELS, CONV_PASSES, CONV_VARIANTS, defaultVariant, SHADER_CONSTANTS } from '../src/ops/conv-variants.js';

const RESULTS = new URL('../bench/results/', import.meta.url).pathname;
const wgsl = (shader: string) => readFileSync(join(SHADER_DIR, `${shader}.wgsl`), 'utf8');

/** (pass, variant) pairs some tuner chose on a measured adapter: the tuning-cache summary and the bench rows marked `tuner: yes`. */
function chosenOnMeasuredAdapters(): Set<string> {
  const chosen = new Set<string>();
  const summary = JSON.parse(readFileSync(join(RESULTS, 'tuner-choices.json'), 'utf8')) as { adapters: Record<string, Record<string, Record<string, number>>> };
  for (const kinds of Object.values(summary.adapters)) {
    for (const [kind, counts] of Object.entries(kinds)) for (const variant of Object.keys(counts)) chosen.add(`${kind} ${variant}`);
  }
  for (const file of readdirSync(RESULTS).filter((f) => f.endsWith('.json') && f !== 'tuner-choices.json')) {
    const report = JSON.parse(readFileSync(join(RESULTS, file), 'utf8')) as { rows?: { kernel: string; variant: string; tuner: string }[] };
    for (const row of report.rows ?? []) if (row.tuner === 'yes') chosen.add(`${row.kernel} ${row.variant}`);
  }
  return chosen;
}

describe('conv variants as data', () => {
  it('copies each shader constant it relies on with the value the WGSL declares', () => {
    for (const [shader, constants] of Object.entries(SHADER_CONSTANTS)) {
      const source = wgsl(shader);
      for (const [name, value] of Object.entries(constants)) {
        const declared = new RegExp(`^(?:const ${name} =|override ${name}: u32 =) (\\d+)u;`, 'm').exec(source);
        expect(declared, `${shader}.wgsl declares ${name}`).not.toBeNull();
        expect(Number(declared![1]), `${shader}.wgsl ${name}`).toBe(value);
      }
    }
  });

  it('names entry points that exist, with the workgroup size each variant assumes', () => {
    for (const pass of CONV_PASSES) {
      for (const [name, v] of Object.entries(CONV_KERNELS[pass])) {
        const m = new RegExp(`@compute @workgroup_size\\(([^)]*)\\)\\s*\\nfn ${v.entry}\\(`).exec(wgsl(v.shader));
        expect(m, `${pass} ${name}: ${v.shader}.wgsl has entry point ${v.entry}`).not.toBeNull();
        const size = m![1].split(',').map((d) => {
          const t = d.trim();
          return /^\d+$/.test(t) ? Number(t) : (shaderConstants(v.shader)[t] ?? NaN);
        });
        expect(size.reduce((a, b) => a * b, 1), `${pass} ${name} workgroup`).toBe(v.workgroup);
        // The launcher sizes a clustered packed kernel's workgroup (clusterWorkgroup in src/ops/conv.ts).
        if (v.clusters && v.weights === 'packed') expect(wgsl(v.shader), `${pass} ${name}: WG is an override`).toMatch(/^override WG: u32 = \d+u;/m);
      }
    }
  });

  it('fits the pixels and channel vec4s of every variant in the accumulator arrays its shader declares', () => {
    for (const stride of [1, 2, 3]) {
      const g = convGeometry([2, 8, 16, 16], [8, 8, 3, 3], stride, 1);
      for (const pass of CONV_PASSES) {
        for (const [name, v] of Object.entries(CONV_KERNELS[pass])) {
          const limits = shaderConstants(v.shader);
          const what = `${pass} ${name} at stride ${stride}: PX ${v.px(g)}, CV ${v.cv}`;
          if (limits.MAX_ACC !== undefined) expect(v.px(g) * v.cv, what).toBeLessThanOrEqual(limits.MAX_ACC);
          if (limits.MAX_PX !== undefined) expect(v.px(g), what).toBeLessThanOrEqual(limits.MAX_PX);
          if (limits.MAX_CV !== undefined) expect(v.cv, what).toBeLessThanOrEqual(limits.MAX_CV);
        }
      }
    }
  });

  it('tunes over the variants a tuner has chosen on a measured adapter, and keeps the others in the lab', () => {
    const chosen = chosenOnMeasuredAdapters();
    for (const pass of CONV_PASSES) {
      for (const name of CONV_VARIANTS[pass]) {
        const wasChosen = chosen.has(`conv2d.${pass} ${name}`);
        // The default runs every shape and is the tuner's reference: never in the lab.
        if (name === defaultVariant(pass)) expect(CONV_KERNELS[pass][name].lab, `${pass} ${name}`).toBeFalsy();
        // A lab variant a tuner has since chosen is due for promotion; a production one nobody chose, for the lab.
        else expect(!!CONV_KERNELS[pass][name].lab, `${pass} ${name} (chosen: ${wasChosen})`).toBe(!wasChosen);
      }
    }
  });
});
