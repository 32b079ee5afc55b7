// L2 normalisation of the LEN-value vectors of x (x's length / LEN of them, so a batch's rows need no
// pipeline per batch size): y = v / max(‖v‖₂, 1e-12) (PyTorch F.normalize).
// Vector k's element j sits at k·VSTRIDE + j·ESTRIDE, so rows of [N, D] (VSTRIDE = D, ESTRIDE = 1)
// and columns of [D, K] (VSTRIDE = 1, ESTRIDE = K) share the kernels. One invocation per vector:
// the LDAM classifier's vectors are short (64) and few (a batch, or 10 classes).
override LEN: u32;
override VSTRIDE: u32;
override ESTRIDE: u32;
const EPS: f32 = 1e-12;
const WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;

// backward: x (the input), g (∂y), dx.
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

fn vector(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

fn norm(base: u32) -> f32 {
  var s = 0.0;
  for (var j = 0u; j < LEN; j++) {
    let v = x[base + j * ESTRIDE];
    s += v * v;
  }
  return sqrt(s);
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let k = vector(gid, nwg);
  if (k >= arrayLength(&x) / LEN) { return; }
  let base = k * VSTRIDE;
  let inv = 1.0 / max(norm(base), EPS);
  for (var j = 0u; j < LEN; j++) { y[base + j * ESTRIDE] = x[base + j * ESTRIDE] * inv; }
}

// ∂x = (g − y·⟨y, g⟩)/‖v‖ where the norm exceeds ε; below it the denominator is the constant ε
// and ∂x = g/ε (PyTorch's clamp_min passes no gradient there).
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let k = vector(gid, nwg);
  if (k >= arrayLength(&x) / LEN) { return; }
  let base = k * VSTRIDE;
  let n = norm(base);
  let inv = 1.0 / max(n, EPS);
  var dot = 0.0;
  for (var j = 0u; j < LEN; j++) { dot += x[base + j * ESTRIDE] * g[base + j * ESTRIDE]; }
  let through_norm = select(0.0, dot * inv, n >= EPS);
  for (var j = 0u; j < LEN; j++) {
    let e = base + j * ESTRIDE;
    dx[e] = (g[e] - x[e] * inv * through_norm) * inv;
  }
}
