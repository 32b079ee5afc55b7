// The demo page in headless Chromium (Debian's, installed by tools/setup.sh) on its WebGPU
// adapter (SwiftShader here): a tiny run, CE then AEGL, must lower the loss and draw the chart
// and the strip, and the page's conv2d must equal Node's on the same inputs; the model it
// exports must pass `aegl-gpu eval`, and load back into the page with the same accuracy.
// AEGL_SCREENSHOT=path saves what the page shows (docs/demo.png).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { conv2d } from '../src/ops/conv.js';
import { Tensor } from '../src/tensor.js';
// @ts-expect-error: a plain ES module tool, without type declarations
import { startDemoServer } from '../tools/demo-server.mjs';
import { CONV_CHECK, wave } from '../demo/conv-check.js';
import type { DemoState } from '../demo/main.js';
import { runCli } from './helpers/cli.js';
import { useEngine } from './helpers/gpu.js';

useEngine();
const CHROMIUM = '/usr/bin/chromium';
const done = () => {
  const s = (window as unknown as { aeglDemo?: { done: boolean; error: string | null } }).aeglDemo;
  return !!s && (s.done || !!s.error);
};


let server: { url: string; close: () => Promise<void> };
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run tools/setup.sh (it installs Debian's chromium)`);
  server = await startDemoServer({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--enable-unsafe-webgpu'] });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the demo page', () => {
  it('trains CE then AEGL in the browser, draws the chart and the strip, matches the conv2d of Node, and exports a model that eval accepts and the page loads back', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    await page.goto(`${server.url}?auto=1&fraction=0.02&test=200&epochs=2&aegl-epochs=1&batch=64`);
    await page.waitForFunction(done, undefined, { timeout: 300_000 });
    const state = await page.evaluate(() => (window as unknown as { aeglDemo: DemoState }).aeglDemo);
    expect(state.error).toBeNull();
    expect(state.adapter).not.toBe('');

    const losses = state.losses.map((l) => l.loss);
    expect(state.losses.map((l) => l.phase)).toEqual(['CE', 'CE', 'AEGL']);
    expect(losses[1], `losses ${losses.join(', ')}`).toBeLessThan(losses[0]);
    expect(state.accuracy).toHaveLength(3);
    expect(state.gaes).toHaveLength(1);
    expect(await page.locator('#chart rect[data-class]').count()).toBe(10);
    expect(await page.locator('#log tr').count()).toBe(4);
    const strip = await page.locator('#strip canvas').evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
    expect(strip[0]).toBeGreaterThan(28);

    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const { x, w, padding } = CONV_CHECK;
    const y = conv2d(Tensor.from(wave(size(x), 0), x), Tensor.from(wave(size(w), 1), w), null, { padding });
    const node = Array.from(await y.read());
    y.dispose();
    // SwiftShader's kernels are ours, compiled by another driver: f32 agreement, not bits.
    const err = Math.sqrt(node.reduce((s, v, i) => s + (v - state.conv[i]) ** 2, 0) / node.reduce((s, v) => s + v * v, 0));
    expect(state.conv).toHaveLength(node.length);
    expect(err).toBeLessThan(1e-5);

    if (process.env.AEGL_SCREENSHOT) await page.screenshot({ path: process.env.AEGL_SCREENSHOT, fullPage: true });

    // Export: a safetensors file with its model card, which the CLI evaluates.
    const exported = join(mkdtempSync(join(tmpdir(), 'aegl-demo-')), 'aegl-demo.safetensors');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    await download.saveAs(exported);
    const cli = await runCli(['eval', '--checkpoint', exported]);
    expect(cli.code, cli.output).toBe(0);
    expect(cli.stdout).toMatch(/top-1/);

    // And back into a fresh page, whose first evaluation must be the exported model's.
    const again = await browser.newPage();
    await again.goto(`${server.url}?fraction=0.02&test=200&batch=64`);
    await again.fill('#epochs', '0');
    await again.fill('#aegl-epochs', '0');
    await again.setInputFiles('#checkpoint', exported);
    await again.click('#start');
    await again.waitForFunction(done, undefined, { timeout: 120_000 });
    const reloaded = await again.evaluate(() => (window as unknown as { aeglDemo: DemoState }).aeglDemo);
    expect(reloaded.error).toBeNull();
    expect(reloaded.accuracy).toEqual([state.accuracy[2]]);
    await again.close();
    await page.close();
    // SwiftShader compiles and runs every kernel on the CPU, beside the rest of the suite: minutes, not seconds.
  }, 420_000);
});
