// The weight-gradient kernels' output (conv2d.wgsl, conv2d_wgrad_subgroup.wgsl): per split of the
// output rows, a partial dw summed by conv2d.sum_splits. The includer declares C, K, R, S, MAX_TAPS
// and `dw_parts: array<f32>` ([splits, K, C, R, S]).
// Writes taps col0 .. col0+count−1 of channels co0 .. co0+3 into split `split` of dw_parts.
fn store_dw_part(split: u32, co0: u32, col0: u32, count: u32, acc: array<vec4f, MAX_TAPS>) {
  let crs = C * R * S;
  for (var i = 0u; i < 4u; i++) {
    let co = co0 + i;
    if (co >= K) { break; }
    for (var t = 0u; t < count; t++) { dw_parts[(split * K + co) * crs + col0 + t] = acc[t][i]; }
  }
}
