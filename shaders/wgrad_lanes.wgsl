// The lanes of the clustered weight-gradient kernels (conv2d_wgrad_subgroup.wgsl,
// conv2d_wgrad_vec4.wgsl): one input channel per lane, 4·CV output channels per workgroup
// (workgroup_id.y), the output rows of split workgroup_id.z. The includer declares C, CV, LANES and
// SPLIT_ROWS.
struct WgradLane {
  // Lanes past C compute channel C − 1 again and store nothing: every lane must reach every shuffle.
  live: bool,
  ci: u32,
  s: u32, // the lane within its cluster of LANES
  first: u32, // the cluster's first lane within the subgroup
  co0: u32,
}

fn wgrad_lane(gid: vec3u, wid: vec3u, sid: u32) -> WgradLane {
  let s = sid % LANES;
  return WgradLane(gid.x < C, min(gid.x, C - 1u), s, sid - s, wid.y * 4u * CV);
}

// The split's output rows (n, oy), from x to y − 1 of `rows`: apart from the lane's fields, which
// WGSL's uniformity analysis would take the loop over them (and its shuffles) to depend on.
fn split_rows(wid: vec3u, rows: u32) -> vec2u { return vec2u(wid.z * SPLIT_ROWS, min((wid.z + 1u) * SPLIT_ROWS, rows)); }
