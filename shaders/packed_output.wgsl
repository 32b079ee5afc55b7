// The output of the packed forward kernels (conv2d_packed.wgsl, conv2d_subgroup.wgsl): one lane's
// 4·CV channels of kernel block `block` × PX pixels of output row oy from ox0, plus the bias.
// The includer declares C..WO, CV, PX, HAS_BIAS, MAX_ACC, `bias` and `y`.
fn store_block(live: bool, block: u32, n: u32, oy: u32, ox0: u32, acc: array<vec4f, MAX_ACC>) {
  for (var v = 0u; v < CV; v++) {
    for (var i = 0u; i < 4u; i++) {
      let co = 4u * (block * CV + v) + i;
      if (live && co < K) {
        var b = 0.0;
        if (HAS_BIAS) { b = bias[co]; }
        let row = ((n * K + co) * HO + oy) * WO;
        for (var j = 0u; j < PX; j++) {
          if (ox0 + j < WO) { y[row + ox0 + j] = acc[j * CV + v][i] + b; }
        }
      }
    }
  }
}
