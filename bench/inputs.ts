// Seeded inputs for the timed kernels: values in [-1, 1) (no denormals or NaNs, which would time
// differently on a CPU-backed adapter), drawn from the shared counter-based RNG.
import { randUniform } from '../src/rng.js';
import { RngStream } from '../src/rng-streams.js';
import { Tensor } from '../src/tensor.js';
import { numel } from './shapes.js';

export function randomTensor(shape: readonly number[], seed: number): Tensor {
  const data = new Float32Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = 2 * randUniform(seed, RngStream.benchInputs, i) - 1;
  return Tensor.from(data, shape);
}

/** Class labels in [0, classes) as a u32 tensor. */
export function randomLabels(n: number, classes: number, seed: number): Tensor {
  const data = new Uint32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.floor(randUniform(seed, RngStream.benchInputs, i) * classes);
  return Tensor.from(data, [n], 'u32');
}
