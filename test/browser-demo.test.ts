// The demo page in headless Chromium (Debian's, installed by tools/setup.sh) on its WebGPU
// adapter (SwiftShader here): a tiny run, CE then AEGL, must lower the loss and draw the chart
// and the strip, and the page's conv2d must equal Node's on the same inputs. AEGL_SCREENSHOT=path
// saves what the page shows (docs/demo.png).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { conv2d } from '../src/ops/conv.js';
import { Tensor } from '../src/tensor.js';
// @ts-expect-error: a plain ES module tool, without type declarations
import { startDemoServer } from '../tools/demo-server.mjs';
import { useEngine } from './helpers/gpu.js';

useEngine();
const CHROMIUM = '/usr/bin/chromium';
const wave = (n: number, phase: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase));

interface DemoState {
  adapter: string;
  losses: { epoch: number; phase: string; loss: number }[];
  accuracy: number[][];
  gaes: number[];
  conv: number[];
  done: boolean;
  error: string | null;
}

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
  it('trains CE then AEGL in the browser, draws the chart and the strip, and its conv2d matches Node', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    await page.goto(`${server.url}?auto=1&fraction=0.02&test=200&epochs=2&aegl-epochs=1&batch=64`);
    await page.waitForFunction(() => {
      const s = (window as unknown as { aeglDemo?: DemoState }).aeglDemo;
      return s && (s.done || s.error);
    }, undefined, { timeout: 240_000 });
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

    const y = conv2d(Tensor.from(wave(2 * 3 * 9 * 7, 0), [2, 3, 9, 7]), Tensor.from(wave(5 * 3 * 3 * 3, 1), [5, 3, 3, 3]), null, { padding: 1 });
    const node = Array.from(await y.read());
    y.dispose();
    // SwiftShader's kernels are ours, compiled by another driver: f32 agreement, not bits.
    const err = Math.sqrt(node.reduce((s, v, i) => s + (v - state.conv[i]) ** 2, 0) / node.reduce((s, v) => s + v * v, 0));
    expect(state.conv).toHaveLength(node.length);
    expect(err).toBeLessThan(1e-5);

    if (process.env.AEGL_SCREENSHOT) await page.screenshot({ path: process.env.AEGL_SCREENSHOT, fullPage: true });
    await page.close();
  });
});
