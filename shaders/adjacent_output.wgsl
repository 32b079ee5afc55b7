// The output of the dgrad_adjacent kernels (conv2d.wgsl, conv2d_dgrad_subgroup.wgsl): one lane's
// 4·CV input channels of kernel block `block` × PX adjacent pixels of row iy from ix0.
// The includer declares C..WO, CV, PX, MAX_ACC and `dx`.
fn store_dx_block(live: bool, block: u32, n: u32, iy: u32, ix0: u32, acc: array<vec4f, MAX_ACC>) {
  for (var v = 0u; v < CV; v++) {
    for (var i = 0u; i < 4u; i++) {
      let ci = 4u * (block * CV + v) + i;
      if (live && ci < C) {
        let row = ((n * C + ci) * H + iy) * W;
        for (var j = 0u; j < PX; j++) {
          if (ix0 + j < W) { dx[row + ix0 + j] = acc[j * CV + v][i]; }
        }
      }
    }
  }
}
