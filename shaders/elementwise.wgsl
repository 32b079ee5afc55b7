// Same-shape elementwise kernels and their backward passes. Each entry point declares the
// bindings it uses (0..n in order); the length comes from the output binding's size.
// Every kernel comes twice: `name` takes one value per invocation (any length), `name_vec4` four
// (lengths divisible by 4; src/ops/elementwise.ts picks). On lavapipe every storage load is a
// loop over the lanes with a bounds test each, and a vec4 load fetches four values in one such
// loop: the vec4 kernels move about 3× the bytes per second (add on 2M values: 8.3 against
// 2.7 GB/s). The binary ops are written once, on vec4f; their scalar kernels run them on a splat
// and keep one lane.
override WG: u32 = 256;

struct Scalar { value: f32 }

// Binary: out = a ∘ b.
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(0) var<storage, read> a4: array<vec4f>;
@group(0) @binding(1) var<storage, read> b4: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> out4: array<vec4f>;

// Ternary: sum_out = f(a, b, c).
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> sum_out: array<f32>;
@group(0) @binding(2) var<storage, read> c4: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> sum_out4: array<vec4f>;

// Unary with a scalar: y = f(x; s).
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> y4: array<vec4f>;
@group(0) @binding(2) var<uniform> s: Scalar;

fn index(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

fn add_op(x: vec4f, z: vec4f) -> vec4f { return x + z; }
fn mul_op(x: vec4f, z: vec4f) -> vec4f { return x * z; }
// g where x > 0 (x: the ReLU input, or its output: the same sign test; g: the incoming gradient); 0 at x == 0 as in PyTorch.
fn relu_backward_op(x: vec4f, g: vec4f) -> vec4f { return select(vec4f(0.0), g, x > vec4f(0.0)); }

@compute @workgroup_size(WG)
fn add(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out)) { out[i] = add_op(vec4f(a[i]), vec4f(b[i])).x; }
}

@compute @workgroup_size(WG)
fn add_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out4)) { out4[i] = add_op(a4[i], b4[i]); }
}

@compute @workgroup_size(WG)
fn mul(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out)) { out[i] = mul_op(vec4f(a[i]), vec4f(b[i])).x; }
}

@compute @workgroup_size(WG)
fn mul_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out4)) { out4[i] = mul_op(a4[i], b4[i]); }
}

@compute @workgroup_size(WG)
fn relu_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out)) { out[i] = relu_backward_op(vec4f(a[i]), vec4f(b[i])).x; }
}

@compute @workgroup_size(WG)
fn relu_backward_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&out4)) { out4[i] = relu_backward_op(a4[i], b4[i]); }
}

// The sum b + c of two gradients of a ReLU's output a, through the ReLU: one pass instead of an add
// and a relu_backward (autograd hands a node that takes them the parts unsummed).
@compute @workgroup_size(WG)
fn relu_backward_sum(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&sum_out)) { sum_out[i] = relu_backward_op(vec4f(a[i]), add_op(vec4f(b[i]), vec4f(c[i]))).x; }
}

@compute @workgroup_size(WG)
fn relu_backward_sum_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&sum_out4)) { sum_out4[i] = relu_backward_op(a4[i], add_op(b4[i], c4[i])); }
}

@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&y)) { y[i] = a[i] * s.value; }
}

@compute @workgroup_size(WG)
fn scale_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&y4)) { y4[i] = a4[i] * s.value; }
}

@compute @workgroup_size(WG)
fn relu(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&y)) { y[i] = max(a[i], 0.0); }
}

@compute @workgroup_size(WG)
fn relu_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&y4)) { y4[i] = max(a4[i], vec4f(0.0)); }
}

// In place, no gradient: y += a (accumulating epoch sums on the GPU).
@compute @workgroup_size(WG)
fn accumulate(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&y)) { y[i] = y[i] + a[i]; }
}

@compute @workgroup_size(WG)
fn accumulate_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < arrayLength(&y4)) { y4[i] = y4[i] + a4[i]; }
}
