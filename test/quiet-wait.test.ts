// Waiting for a CPU adapter without spinning a core: setImmediate is slowed only while a wait is
// in progress, restored afterwards (also after a failed or nested wait), and GPU reads still work.
import { describe, expect, it } from 'vitest';
import { engine } from '../src/gpu/engine.js';
import { runsOnCpu, waitWithoutSpinning } from '../src/gpu/quiet-wait.js';
import { Tensor } from '../src/tensor.js';
import { useEngine } from './helpers/gpu.js';

useEngine();

describe('waitWithoutSpinning', () => {
  it('swaps setImmediate for the wait and restores it, also when the wait fails or nests', async () => {
    const original = globalThis.setImmediate;
    let inside: typeof setImmediate | null = null;
    await waitWithoutSpinning(async () => {
      inside = globalThis.setImmediate;
      await waitWithoutSpinning(async () => undefined);
      expect(globalThis.setImmediate).toBe(inside); // the inner wait ended, the outer one still runs
    });
    expect(inside).not.toBe(original);
    expect(globalThis.setImmediate).toBe(original);
    await expect(waitWithoutSpinning(() => Promise.reject(new Error('lost')))).rejects.toThrow('lost');
    expect(globalThis.setImmediate).toBe(original);
  });

  it('still runs what is scheduled with setImmediate during the wait', async () => {
    const ran = await waitWithoutSpinning(() => new Promise<boolean>((resolve) => setImmediate(() => resolve(true))));
    expect(ran).toBe(true);
  });

  it('a readback through the engine returns the data', async () => {
    const t = Tensor.from([1, 2, 3], [3]);
    expect(Array.from(new Float32Array(await engine().read(t)))).toEqual([1, 2, 3]);
    t.dispose();
  });
});

describe('runsOnCpu', () => {
  const adapter = (name: string, description = '', isFallback = false) => ({ name, description, isFallback });
  it('names Mesa and SwiftShader software adapters, and fallbacks; not hardware GPUs', () => {
    expect(runsOnCpu(adapter('llvmpipe (LLVM 15.0.6, 256 bits)'))).toBe(true);
    expect(runsOnCpu(adapter('unknown', 'Vulkan: lavapipe'))).toBe(true);
    expect(runsOnCpu(adapter('SwiftShader Device (Subzero)'))).toBe(true);
    expect(runsOnCpu(adapter('anything', '', true))).toBe(true);
    expect(runsOnCpu(adapter('NVIDIA H100 80GB HBM3'))).toBe(false);
  });
});
