// The input windows of the row-wise weight-gradient kernels (conv2d.wgsl wgrad_rows,
// conv2d_wgrad_subgroup.wgsl): consecutive chunks of an output row share OVERLAP = S − ST input
// columns per kernel row, which each chunk hands on to the next instead of loading them again.
// The includer binds x: array<f32> and declares MAX_TAPS (with conv_shape's geometry).
override OVERLAP: u32 = select(0u, S - ST, S > ST);
const MAX_OVERLAP = 8u; // S − ST < S ≤ 8 (fitsBlocked in src/ops/conv-variants.ts)

// Input column ix of the row starting at x[row]: 0 outside the row.
fn xat(row: u32, ix: i32) -> f32 {
  return select(0.0, x[row + u32(clamp(ix, 0, i32(W) - 1))], ix >= 0 && ix < i32(W));
}

// The columns the first chunk of output row oy (image n, input channel ci) takes over, per kernel
// row: the window's first OVERLAP columns (kernel rows outside the input are never read).
fn first_carry(carry: ptr<function, array<array<f32, MAX_OVERLAP>, MAX_TAPS>>, n: u32, ci: u32, oy: u32) {
  for (var ky = 0u; ky < R; ky++) {
    let iy = i32(oy * ST + ky) - i32(P);
    if (iy < 0 || iy >= i32(H)) { continue; }
    let xrow = ((n * C + ci) * H + u32(iy)) * W;
    for (var t = 0u; t < OVERLAP; t++) { (*carry)[ky][t] = xat(xrow, i32(t) - i32(P)); }
  }
}
