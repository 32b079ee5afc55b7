// Resize and centre crop, as torchvision's Resize + CenterCrop do on a PIL image: scale so the
// image covers the target (the shorter side fits), then cut the middle out. The resampling is
// PIL's bilinear filter: a triangle kernel widened by the scale when shrinking, so downscaling
// averages every source pixel instead of skipping some (no aliasing). Separable: a horizontal
// pass, then a vertical one, in floats, rounded to bytes once at the end.

/** For each output pixel of one axis: the first source pixel it reads and the normalised weights (PIL's precompute_coeffs). */
function coefficients(inSize: number, outSize: number): { first: Int32Array; taps: number; weights: Float64Array } {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1); // the triangle's radius: one source pixel, widened when shrinking
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let x = 0; x < outSize; x++) {
    const center = (x + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    first[x] = lo;
    let total = 0;
    for (let j = lo; j < hi; j++) total += weights[x * taps + j - lo] = Math.max(0, 1 - Math.abs((j + 0.5 - center) / support));
    for (let j = lo; j < hi; j++) weights[x * taps + j - lo] /= total;
  }
  return { first, taps, weights };
}

/** Resamples `count` lines of `inSize` pixels to `outSize`; `layout` and `outLayout` give pixel i of a line's index in src and dst. */
function resampleAxis(src: Float32Array, dst: Float32Array, n: { count: number; inSize: number; outSize: number }, layout: (line: number, i: number) => number, outLayout: (line: number, i: number) => number): void {
  const { first, taps, weights } = coefficients(n.inSize, n.outSize);
  for (let line = 0; line < n.count; line++) {
    for (let x = 0; x < n.outSize; x++) {
      let v = 0;
      const last = Math.min(taps, n.inSize - first[x]);
      for (let k = 0; k < last; k++) v += weights[x * taps + k] * src[layout(line, first[x] + k)];
      dst[outLayout(line, x)] = v;
    }
  }
}

/** Planar pixels (channels × h × w) resampled to channels × outH × outW. */
export function resample(src: Float32Array, channels: number, h: number, w: number, outH: number, outW: number): Float32Array {
  const across = new Float32Array(channels * h * outW);
  resampleAxis(src, across, { count: channels * h, inSize: w, outSize: outW }, (row, x) => row * w + x, (row, x) => row * outW + x);
  const out = new Float32Array(channels * outH * outW);
  // Lines are (channel, column) pairs; pixels along a line step by a row.
  const at = (rows: number) => (line: number, y: number) => (Math.floor(line / outW) * rows + y) * outW + (line % outW);
  resampleAxis(across, out, { count: channels * outW, inSize: h, outSize: outH }, at(h), at(outH));
  return out;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Planar pixels (channels × h × w, values 0–255) scaled to cover outH × outW, centre-cropped to
 * it and rounded to bytes. An image already of that size is only rounded.
 */
export function resizeCover(src: Float32Array, channels: number, h: number, w: number, outH: number, outW: number): Uint8Array {
  let pixels = src;
  let [height, width] = [h, w];
  if (h !== outH || w !== outW) {
    // torchvision's Resize: the side that binds gets the target exactly, the other int(target · long / short).
    if (outH * w >= outW * h) [height, width] = [outH, Math.max(outW, Math.floor((outH * w) / h))];
    else [height, width] = [Math.max(outH, Math.floor((outW * h) / w)), outW];
    pixels = resample(src, channels, h, w, height, width);
  }
  // CenterCrop's offsets: Python's round((size - crop) / 2), halves to even.
  const top = roundHalfEven((height - outH) / 2);
  const left = roundHalfEven((width - outW) / 2);
  const out = new Uint8Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        const v = pixels[(c * height + top + y) * width + left + x];
        out[(c * outH + y) * outW + x] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  return out;
}
