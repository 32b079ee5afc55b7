// Float64 option-A shortcut, F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p)), and its VJP.
export type Nchw = [number, number, number, number];

/** For each output position, the input index it copies, or -1 for a padding zero. */
function sources([n, c, h, w]: Nchw, co: number): Int32Array {
  const p = (co - c) / 2;
  const oh = Math.ceil(h / 2);
  const ow = Math.ceil(w / 2);
  const src = new Int32Array(n * co * oh * ow).fill(-1);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++)
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++) src[((i * co + k + p) * oh + y) * ow + x] = ((i * c + k) * h + 2 * y) * w + 2 * x;
  return src;
}

export const shortcutA = (s: Nchw, co: number) => ([x]: Float64Array[]) => Float64Array.from(sources(s, co), (k) => (k < 0 ? 0 : x[k]));

export const shortcutAVjp = (s: Nchw, co: number) => ([x]: Float64Array[], g: Float64Array) => {
  const dx = new Float64Array(x.length);
  sources(s, co).forEach((k, o) => {
    if (k >= 0) dx[k] += g[o];
  });
  return [dx];
};
