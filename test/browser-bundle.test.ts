// The engine core bundled for a page (tools/bundle-browser.mjs): it must build with no Node or
// Dawn module inside, and, opened on a device it is handed (as a page hands it navigator.gpu's),
// with the shaders it carries as strings, compute what the Node engine computes and train.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { conv2d } from '../src/ops/conv.js';
import { Tensor } from '../src/tensor.js';
// @ts-expect-error: a plain ES module tool, without type declarations
import { bundleBrowser } from '../tools/bundle-browser.mjs';
import { CONV_CHECK, wave } from '../demo/conv-check.js';
import { useEngine } from './helpers/gpu.js';

useEngine();
const ROOT = new URL('../', import.meta.url).pathname;


/** Run in a child process: Dawn stands in for navigator.gpu, everything else comes from the bundle. */
const PAGE_SCRIPT = (bundle: string) => `
import { create, globals } from ${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/webgpu/index.js')).href)};
Object.assign(globalThis, globals);
const aegl = await import(${JSON.stringify(pathToFileURL(bundle).href)});
const navigatorGpu = create([]);
await aegl.initPageEngine(await aegl.openNavigatorGpu(navigatorGpu), aegl.shaders);
const wave = ${wave.toString()};
const CONV = ${JSON.stringify(CONV_CHECK)};
const size = (s) => s.reduce((a, b) => a * b, 1);
const y = aegl.conv2d(aegl.Tensor.from(wave(size(CONV.x), 0), CONV.x), aegl.Tensor.from(wave(size(CONV.w), 1), CONV.w), null, { padding: CONV.padding });
const conv = Array.from(await y.read());

// A few SGD steps of the Fashion-MNIST CNN (12×12 inputs) on one fixed batch: the loss must fall.
const model = new aegl.FashionCnn({ numClasses: 10, size: 12, seed: 3 });
model.train();
const sgd = new aegl.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 0, nesterov: false });
const objective = new aegl.Objective('ce', Array(10).fill(1), 1000);
const batch = { x: aegl.Tensor.from(wave(16 * 144, 2).map((v) => (v + 1) / 2), [16, 1, 12, 12]), y: aegl.Tensor.from(Array.from({ length: 16 }, (_, i) => i % 10), [16], 'u32') };
const losses = [];
for (let k = 0; k < 10; k++) losses.push(await aegl.tidy(() => aegl.trainStep({ model, objective, sgd }, batch, k)).item());
process.stdout.write(JSON.stringify({ conv, losses }));
process.exit(0);
`;

describe('the engine bundled for a page', () => {
  it('builds without Node or Dawn, computes conv2d as the Node engine does, and trains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegl-bundle-'));
    const bundle = join(dir, 'aegl.js');
    const result = await bundleBrowser(bundle);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => /node-platform|gpu\/device\.ts|shader-files|tuning-file|native-stderr|^node:|webgpu/.test(f))).toEqual([]);
    expect(inputs).toContain('src/gpu/engine.ts');

    writeFileSync(join(dir, 'page.mjs'), PAGE_SCRIPT(bundle));
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'page.mjs')], { cwd: ROOT, maxBuffer: 1 << 24 });
    const page = JSON.parse(stdout) as { conv: number[]; losses: number[] };

    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const { x, w, padding } = CONV_CHECK;
    const y = conv2d(Tensor.from(wave(size(x), 0), x), Tensor.from(wave(size(w), 1), w), null, { padding });
    expect(page.conv).toEqual(Array.from(await y.read()));
    y.dispose();
    expect(page.losses.every(Number.isFinite)).toBe(true);
    expect(page.losses[9], `losses ${page.losses.map((l) => l.toFixed(3)).join(' ')}`).toBeLessThan(page.losses[0] * 0.8);
  });
});
