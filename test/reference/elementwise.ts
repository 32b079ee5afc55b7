// Float64 references for the elementwise ops and their vector-Jacobian products.
export const add = ([a, b]: Float64Array[]) => a.map((v, i) => v + b[i]);
export const addVjp = (_: Float64Array[], g: Float64Array) => [g.slice(), g.slice()];

export const mul = ([a, b]: Float64Array[]) => a.map((v, i) => v * b[i]);
export const mulVjp = ([a, b]: Float64Array[], g: Float64Array) => [g.map((v, i) => v * b[i]), g.map((v, i) => v * a[i])];

export const scale = (s: number) => ([x]: Float64Array[]) => x.map((v) => v * s);
export const scaleVjp = (s: number) => (_: Float64Array[], g: Float64Array) => [g.map((v) => v * s)];

export const relu = ([x]: Float64Array[]) => x.map((v) => Math.max(v, 0));
export const reluVjp = ([x]: Float64Array[], g: Float64Array) => [g.map((v, i) => (x[i] > 0 ? v : 0))];

export const accumulate = ([target, x]: Float64Array[]) => target.map((v, i) => v + x[i]);
