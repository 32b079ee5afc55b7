import { describe, it } from 'vitest';
import { concatRows, sliceRows } from '../src/ops/shape.js';
import { freshSeed, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';

useEngine();

const concatRef = ([a, b]: Float64Array[]) => Float64Array.from([...a, ...b]);
const concatVjp = ([a]: Float64Array[], g: Float64Array) => [g.slice(0, a.length), g.slice(a.length)];
const sliceRef = (start: number, count: number, row: number) => ([x]: Float64Array[]) => x.slice(start * row, (start + count) * row);
const sliceVjp = (start: number, row: number) => ([x]: Float64Array[], g: Float64Array) => {
  const dx = new Float64Array(x.length);
  dx.set(g, start * row);
  return [dx];
};

describe('row concatenation and slicing match the float64 reference', () => {
  const cases: [number, number, number[]][] = [[1, 1, [3]], [5, 2, [3, 7, 1]], [128, 9, [1, 12, 12]]];
  for (const [n, m, rest] of cases) {
    it(`concat [${n}, ${rest}] + [${m}, ${rest}], then slices`, async () => {
      const seed = freshSeed();
      const row = rest.reduce((a, b) => a * b, 1);
      await checkOp({ name: 'concatRows', shapes: [[n, ...rest], [m, ...rest]], gpu: ([a, b]) => concatRows(a, b), ref: concatRef, refVjp: concatVjp, seed });
      const start = Math.floor(n / 2);
      await checkOp({ name: 'sliceRows', shapes: [[n + m, ...rest]], gpu: ([x]) => sliceRows(x, start, m), ref: sliceRef(start, m, row), refVjp: sliceVjp(start, row), seed });
    });
  }
});
