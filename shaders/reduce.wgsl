// Column sums, one pass of a multi-pass reduction: x [ROWS, C] → out [ceil(ROWS / R), C], where
// out[b, c] sums rows b·R .. b·R+R−1 of column c in row order. Passes repeat until one row is left,
// so a sum is a fixed tree (serial leaves of R, then R-ary levels): deterministic, and its f32
// error grows with R + log_R(ROWS) rather than with ROWS. No workgroup memory or barriers
// (lavapipe punishes them); sum(x) is the C = 1 case. The uniform scales the result (mean). The
// row count is not a constant but x's length / C, so one pipeline serves every batch size.
override C: u32;
override R: u32;
const WG = 64u;

struct Params { scale: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn index(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

@compute @workgroup_size(WG)
fn sum_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i >= arrayLength(&out)) { return; }
  let b = i / C;
  let c = i % C;
  let end = min(arrayLength(&x) / C, b * R + R);
  var acc = 0.0;
  for (var r = b * R; r < end; r++) { acc += x[r * C + c]; }
  out[i] = acc * params.scale;
}

// Backward of a column sum: every row gets the column's gradient, times the scale (1/n for mean).
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn broadcast_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&dx)) { dx[i] = g[i % C] * params.scale; }
}
