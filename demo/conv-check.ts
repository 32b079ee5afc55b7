// The fixed conv2d inputs the page computes on and the tests compute on in Node, to compare the
// page's kernels with Node's (self-contained: the bundle test inlines `wave` as source).
export const CONV_CHECK = { x: [2, 3, 9, 7], w: [5, 3, 3, 3], padding: 1 };

export function wave(n: number, phase: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase));
}
