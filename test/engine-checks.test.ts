// The test machinery itself: poisoning catches an unwritten element, and a kernel misuse surfaces
// as an Error naming the kernel.
import { describe, expect, it } from 'vitest';
import { engine } from '../src/gpu/engine.js';
import { Tensor } from '../src/tensor.js';
import { freshSeed, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';

useEngine();

/** An "op" that writes zeros into the first `written` elements of a fresh tensor (fill.wgsl). */
function zerosWriting(written: (size: number) => number) {
  return ([x]: Tensor[]) => {
    const out = Tensor.empty(x.shape);
    engine().run({ shader: 'fill' }, [out], [Math.ceil(out.size / 256)], new Uint32Array([0, written(out.size), 0, 0]));
    return out;
  };
}

describe('test machinery', () => {
  const zeros = ([x]: Float64Array[]) => new Float64Array(x.length);

  it('poisoning makes a kernel that skips one element fail checkOp', async () => {
    const seed = freshSeed();
    await checkOp({ name: 'complete', shapes: [[37]], gpu: zerosWriting((n) => n), ref: zeros, seed });
    await expect(checkOp({ name: 'partial', shapes: [[37]], gpu: zerosWriting((n) => n - 1), ref: zeros, seed })).rejects.toThrow(/forward: partial/);
  });

  it('a kernel given the wrong bindings raises an Error that names the kernel', async () => {
    const a = Tensor.zeros([16]);
    // matmul.blocked wants three bindings (A, B, C): give it two.
    engine().run({ shader: 'matmul', entry: 'blocked', constants: { M: 4, N: 4, K: 4 } }, [a, a], [1, 1]);
    await expect(engine().sync()).rejects.toThrow(/WebGPU error: .*matmul\.blocked\(K=4,M=4,N=4\)/s);
    a.dispose();
  });
});
