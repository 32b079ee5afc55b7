// Child process for the kill -9 test in train-safetensors.test.ts (run with vite-node):
// rewrites one checkpoint again and again, odd generations filled with 1, even ones with 2 (two
// arrays made once, so nearly all the time is spent writing), and reports each finished write on
// stdout until the parent kills it.
import { writeSafetensors } from '../src/train/run-io/safetensors.js';

const [path, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);
const fills = [new Float32Array(size).fill(2), new Float32Array(size).fill(1)];
for (let generation = 1; ; generation++) {
  writeSafetensors(path, [
    { name: 'conv1.weight', dtype: 'F32', shape: [size], data: fills[generation % 2] },
    { name: 'bn1.num_batches_tracked', dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(generation)) },
  ], { generation: String(generation) });
  process.stdout.write(`wrote ${generation}\n`);
}
