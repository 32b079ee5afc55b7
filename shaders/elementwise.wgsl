// Same-shape elementwise kernels and their backward passes. Each entry point declares the
// bindings it uses (0..n in order); the length comes from the output binding's size.
override WG: u32 = 256;

struct Scalar { value: f32 }

// Binary: out = a ∘ b.
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// Unary with a scalar: y = f(x; s).
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> s: Scalar;

fn index(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

@compute @workgroup_size(WG)
fn add(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out)) { out[i] = a[i] + b[i]; }
}

// A residual block's end: out = max(a + b, 0) in one pass (its gradient: relu_backward on out).
@compute @workgroup_size(WG)
fn add_relu(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out)) { out[i] = max(a[i] + b[i], 0.0); }
}

@compute @workgroup_size(WG)
fn mul(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out)) { out[i] = a[i] * b[i]; }
}

@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&y)) { y[i] = a[i] * s.value; }
}

@compute @workgroup_size(WG)
fn relu(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&y)) { y[i] = max(a[i], 0.0); }
}

// out = b where a > 0 (a: the ReLU input, or its output: the same sign test; b: the incoming gradient); 0 at a == 0 as in PyTorch.
@compute @workgroup_size(WG)
fn relu_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out)) { out[i] = select(0.0, b[i], a[i] > 0.0); }
}

// In place, no gradient: y += a (accumulating epoch sums on the GPU).
@compute @workgroup_size(WG)
fn accumulate(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&y)) { y[i] = y[i] + a[i]; }
}
