// Float64 reshape: the values are unchanged, so forward and VJP are copies.
export const reshape = ([x]: Float64Array[]) => x.slice();
export const reshapeVjp = (_: Float64Array[], g: Float64Array) => [g.slice()];
