// Pooling over NCHW: 2×2 max pooling with stride 2 (floor, as PyTorch) and global average pooling.
// H, W: input size, constants. The planes (N·C) are not: each entry point counts them from its
// input's length, so one pipeline serves every batch size.
override H: u32;
override W: u32;
override OH: u32 = H / 2u;
override OW: u32 = W / 2u;
const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;

// max_backward: x (the pooling input), g (∂y), dx.
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

// avg_backward: g (∂y, one value per plane), dx.
@group(0) @binding(0) var<storage, read> avg_g: array<f32>;
@group(0) @binding(1) var<storage, read_write> avg_dx: array<f32>;

// Every kernel loops with a grid stride, so the dispatch size is free (src/gpu/grid-stride.ts).
fn first(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }
fn stride(nwg: vec3u) -> u32 { return nwg.x * nwg.y * WG; }

// Offset of output o's window corner in x.
fn corner(o: u32) -> u32 {
  let plane = o / (OH * OW);
  let r = o % (OH * OW);
  return plane * H * W + (r / OW) * 2u * W + (r % OW) * 2u;
}

// Which of the window's 4 values (row-major) is the first maximum: PyTorch's tie rule.
fn argmax(b: u32) -> u32 {
  var best = 0u;
  var m = x[b];
  if (x[b + 1u] > m) { m = x[b + 1u]; best = 1u; }
  if (x[b + W] > m) { m = x[b + W]; best = 2u; }
  if (x[b + W + 1u] > m) { best = 3u; }
  return best;
}

@compute @workgroup_size(WG)
fn max_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let planes = arrayLength(&x) / (H * W);
  for (var o = first(gid, nwg); o < planes * OH * OW; o += stride(nwg)) {
    let b = corner(o);
    y[o] = max(max(x[b], x[b + 1u]), max(x[b + W], x[b + W + 1u]));
  }
}

// Each output writes its whole window of ∂x, plus the odd last row/column that
// floor pooling drops (zero), so every ∂x element is written exactly once.
@compute @workgroup_size(WG)
fn max_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let planes = arrayLength(&x) / (H * W);
  for (var o = first(gid, nwg); o < planes * OH * OW; o += stride(nwg)) {
    let b = corner(o);
    let k = argmax(b);
    let go = g[o];
    dx[b] = select(0.0, go, k == 0u);
    dx[b + 1u] = select(0.0, go, k == 1u);
    dx[b + W] = select(0.0, go, k == 2u);
    dx[b + W + 1u] = select(0.0, go, k == 3u);
    let r = o % (OH * OW);
    let last_col = (W % 2u == 1u) && (r % OW == OW - 1u);
    let last_row = (H % 2u == 1u) && (r / OW == OH - 1u);
    if (last_col) {
      dx[b + 2u] = 0.0;
      dx[b + W + 2u] = 0.0;
    }
    if (last_row) {
      dx[b + 2u * W] = 0.0;
      dx[b + 2u * W + 1u] = 0.0;
    }
    if (last_col && last_row) { dx[b + 2u * W + 2u] = 0.0; }
  }
}

// Per plane: the mean of its H·W values.
@compute @workgroup_size(WG)
fn avg_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let planes = arrayLength(&x) / (H * W);
  for (var p = first(gid, nwg); p < planes; p += stride(nwg)) {
    var s = 0.0;
    for (var i = 0u; i < H * W; i++) { s += x[p * H * W + i]; }
    y[p] = s / f32(H * W);
  }
}

@compute @workgroup_size(WG)
fn avg_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let planes = arrayLength(&avg_g);
  for (var i = first(gid, nwg); i < planes * H * W; i += stride(nwg)) {
    avg_dx[i] = avg_g[i / (H * W)] / f32(H * W);
  }
}
