// Batch normalisation over NCHW tensors (channel c, n = N·HW values per channel).
// Training: `stats` computes each channel's batch mean and biased variance in one pass and
// updates the running statistics in place; `apply` normalises. Backward: `reduce` sums ∂y and
// ∂y·x̂ per channel (= ∂bias, ∂weight), `dx_train` applies the formula through the batch
// statistics, `dx_eval` the affine one. One workgroup per channel for the reductions: they need
// a single barrier tree at the end, which even software Vulkan runs cheaply.
// Kernels take the batch's row count from their bindings' lengths, not a constant: one pipeline
// serves every batch size (AEGL's vary with the tail count).
override C: u32;
override HW: u32;
override EPS: f32 = 1e-5;
override MOMENTUM: f32 = 0.1;
// Inference mode: the statistics bindings hold running mean and variance, not mean and 1/σ.
override EVAL: bool = false;
// relu(batch_norm(x)) in the same passes: `apply` clamps at 0, and the backward kernels take the
// incoming gradient only where the normalised value is positive, recomputing it from x (which
// they read anyway) as `apply` did, with the same arithmetic: one tensor fewer to read than the
// output y (ResNet-32's reduce and dx_train behind a ReLU). weight and bias are bound either way.
override RELU: bool = false;
// relu(batch_norm(x) + residual), a residual block's end, in `apply` (RELU set too): the residual is
// added before the clamp. Its backward takes the mask from the output (relu_backward in
// elementwise.wgsl) before the plain batch-norm backward kernels, whose RELU is then false.
override RESIDUAL: bool = false;
// Consecutive values handled together (HW % VEC == 0, so they share a channel; up to 16): 4 runs
// ~3× faster than 1 on lavapipe (less index arithmetic per value), and the elementwise kernels load
// their channel's constants once per run. Where HW % 4 == 0 every kernel runs as its `_vec4`
// entry point instead, with vec4 bindings: one vec4 load where the scalar kernels make four, each
// a loop over the lanes on lavapipe (src/ops/batchnorm.ts picks; the scalar ones see VEC < 4).
override VEC: u32 = 1u;
const WG: u32 = 64u;
const WG_EW: u32 = 256u;


// stats
@group(0) @binding(0) var<storage, read> sx: array<f32>;
@group(0) @binding(1) var<storage, read_write> s_mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> s_invstd: array<f32>;
@group(0) @binding(3) var<storage, read_write> s_running_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> s_running_var: array<f32>;
@group(0) @binding(0) var<storage, read> sx4: array<vec4f>;

// apply
@group(0) @binding(0) var<storage, read> ax: array<f32>;
@group(0) @binding(1) var<storage, read> a_weight: array<f32>;
@group(0) @binding(2) var<storage, read> a_bias: array<f32>;
@group(0) @binding(3) var<storage, read> a_stat_a: array<f32>;
@group(0) @binding(4) var<storage, read> a_stat_b: array<f32>;
@group(0) @binding(5) var<storage, read_write> a_y: array<f32>;
@group(0) @binding(6) var<storage, read> a_residual: array<f32>; // bound whether or not it is read
@group(0) @binding(0) var<storage, read> ax4: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> a_y4: array<vec4f>;
@group(0) @binding(6) var<storage, read> a_residual4: array<vec4f>;

// reduce
@group(0) @binding(0) var<storage, read> rx: array<f32>;
@group(0) @binding(1) var<storage, read> r_g: array<f32>;
@group(0) @binding(2) var<storage, read> r_stat_a: array<f32>;
@group(0) @binding(3) var<storage, read> r_stat_b: array<f32>;
@group(0) @binding(4) var<storage, read_write> r_dweight: array<f32>;
@group(0) @binding(5) var<storage, read_write> r_dbias: array<f32>;
@group(0) @binding(6) var<storage, read> r_weight: array<f32>;
@group(0) @binding(7) var<storage, read> r_bias: array<f32>;
@group(0) @binding(0) var<storage, read> rx4: array<vec4f>;
@group(0) @binding(1) var<storage, read> r_g4: array<vec4f>;

// dx_train
@group(0) @binding(0) var<storage, read> tx: array<f32>;
@group(0) @binding(1) var<storage, read> t_g: array<f32>;
@group(0) @binding(2) var<storage, read> t_weight: array<f32>;
@group(0) @binding(3) var<storage, read> t_mean: array<f32>;
@group(0) @binding(4) var<storage, read> t_invstd: array<f32>;
@group(0) @binding(5) var<storage, read> t_sum_gxhat: array<f32>;
@group(0) @binding(6) var<storage, read> t_sum_g: array<f32>;
@group(0) @binding(7) var<storage, read_write> t_dx: array<f32>;
@group(0) @binding(8) var<storage, read> t_bias: array<f32>;
@group(0) @binding(0) var<storage, read> tx4: array<vec4f>;
@group(0) @binding(1) var<storage, read> t_g4: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> t_dx4: array<vec4f>;

// dx_eval
@group(0) @binding(0) var<storage, read> e_g: array<f32>;
@group(0) @binding(1) var<storage, read> e_weight: array<f32>;
@group(0) @binding(2) var<storage, read> e_running_var: array<f32>;
@group(0) @binding(3) var<storage, read_write> e_dx: array<f32>;
@group(0) @binding(4) var<storage, read> ex: array<f32>;
@group(0) @binding(5) var<storage, read> e_running_mean: array<f32>;
@group(0) @binding(6) var<storage, read> e_bias: array<f32>;
@group(0) @binding(0) var<storage, read> e_g4: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> e_dx4: array<vec4f>;
@group(0) @binding(4) var<storage, read> ex4: array<vec4f>;

var<workgroup> part_a: array<f32, WG>;
var<workgroup> part_b: array<f32, WG>;
var<workgroup> part_n: array<f32, WG>;

// Index of the i-th value (0 ≤ i < rows·HW) of channel c.
fn at(c: u32, i: u32) -> u32 { return (i / HW) * C * HW + c * HW + i % HW; }

// Elementwise kernels loop over runs of VEC values with a grid stride, so the dispatch size is
// free: one invocation per run (GPUs), or a few workgroups (lavapipe pays per workgroup).
fn first(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG_EW; }
fn stride(nwg: vec3u) -> u32 { return nwg.x * nwg.y * WG_EW; }

// Welford/Chan in two levels: each thread sums its values shifted by one sample of the channel
// (so Σd² − (Σd)²/k does not cancel when |mean| ≫ σ) and turns them into (count, mean, M2); the
// workgroup then merges those triples pairwise with Chan et al.'s formula.
@compute @workgroup_size(WG)
fn stats(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let c = wid.x;
  let n = arrayLength(&sx) / C;
  let shift = sx[c * HW];
  var s = 0.0;
  var ss = 0.0;
  let runs = n / VEC;
  for (var r = t; r < runs; r += WG) {
    let j = at(c, r * VEC);
    for (var v = 0u; v < VEC; v++) {
      let d = sx[j + v] - shift;
      s += d;
      ss += d * d;
    }
  }
  finish_stats(c, t, n, shift, s, ss, f32((runs - min(t, runs) + WG - 1u) / WG * VEC));
}

// Runs of VEC / 4 vec4s per iteration, summed in vec4s: at 16 channels × 32×32 (512 iterations
// per thread with one vec4 each) 1.2–1.5× faster than one vec4 per iteration, the same at ResNet-32's
// smaller planes.
@compute @workgroup_size(WG)
fn stats_vec4(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let c = wid.x;
  let n = arrayLength(&sx4) * 4u / C;
  let shift = sx4[c * HW / 4u].x;
  var s = vec4f(0.0);
  var ss = vec4f(0.0);
  let runs = n / VEC;
  for (var r = t; r < runs; r += WG) {
    let j = at(c, r * VEC) / 4u;
    for (var v = 0u; v < VEC / 4u; v++) {
      let d = sx4[j + v] - shift;
      s += d;
      ss += d * d;
    }
  }
  finish_stats(c, t, n, shift, sum4(s), sum4(ss), f32((runs - min(t, runs) + WG - 1u) / WG * VEC));
}

fn sum4(v: vec4f) -> f32 { return v.x + v.y + v.z + v.w; }

// Each thread's k values (sums s and ss of their differences from shift) as (count, mean, M2),
// merged across the workgroup; thread 0 writes the statistics.
fn finish_stats(c: u32, t: u32, n: u32, shift: f32, s: f32, ss: f32, k: f32) {
  let md = select(0.0, s / k, k > 0.0);
  part_n[t] = k;
  part_a[t] = shift + md;
  part_b[t] = max(ss - s * md, 0.0);
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) {
      let na = part_n[t];
      let nb = part_n[t + stride];
      let nab = na + nb;
      if (nb > 0.0) {
        let delta = part_a[t + stride] - part_a[t];
        part_a[t] += delta * (nb / nab);
        part_b[t] += part_b[t + stride] + delta * delta * (na * nb / nab);
        part_n[t] = nab;
      }
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    let mean = part_a[0];
    let variance = part_b[0] / f32(n);
    s_mean[c] = mean;
    s_invstd[c] = inverseSqrt(variance + EPS);
    // PyTorch: running stats move towards the batch mean and the unbiased variance.
    s_running_mean[c] = (1.0 - MOMENTUM) * s_running_mean[c] + MOMENTUM * mean;
    s_running_var[c] = (1.0 - MOMENTUM) * s_running_var[c] + MOMENTUM * variance * (f32(n) / f32(n - 1u));
  }
}

fn inv_std(b: f32) -> f32 { return select(b, inverseSqrt(b + EPS), EVAL); }

// The elementwise kernels' arithmetic, written once on vec4f: the scalar kernels run it on a splat.
// (x − mean)·scale, not x·scale − mean·scale: the latter cancels when |mean| ≫ σ.
fn apply_op(x: vec4f, mean: f32, scale: f32, bias: f32, residual: vec4f) -> vec4f {
  var y = (x - mean) * scale + bias;
  if (RESIDUAL) { y += residual; }
  return select(y, max(y, vec4f(0.0)), RELU);
}

// Behind a fused ReLU, the gradient only where apply_op's value before the clamp, (x − mean)·scale
// + bias, is positive: the same expression, so the same mask as the output's sign. RELU is a
// constant: without it, no arithmetic.
fn masked(g: vec4f, x: vec4f, mean: f32, scale: f32, bias: f32) -> vec4f {
  return select(g, select(vec4f(0.0), g, (x - mean) * scale + bias > vec4f(0.0)), RELU);
}

// Channel c's normalisation constants: its mean, σ⁻¹·weight (or the running ones in inference) and bias.
struct Affine { mean: f32, scale: f32, bias: f32 }
fn affine(c: u32) -> Affine { return Affine(a_stat_a[c], inv_std(a_stat_b[c]) * a_weight[c], a_bias[c]); }

@compute @workgroup_size(WG_EW)
fn apply(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  for (var r = first(gid, nwg); r < arrayLength(&a_y) / VEC; r += stride(nwg)) {
    let i = r * VEC;
    let f = affine((i / HW) % C);
    for (var v = 0u; v < VEC; v++) {
      // The residual is loaded only where there is one (RESIDUAL is a constant).
      var residual = 0.0;
      if (RESIDUAL) { residual = a_residual[i + v]; }
      a_y[i + v] = apply_op(vec4f(ax[i + v]), f.mean, f.scale, f.bias, vec4f(residual)).x;
    }
  }
}

@compute @workgroup_size(WG_EW)
fn apply_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  for (var r = first(gid, nwg); r < arrayLength(&a_y4) * 4u / VEC; r += stride(nwg)) {
    let f = affine((r * VEC / HW) % C);
    for (var v = 0u; v < VEC / 4u; v++) {
      let k = r * VEC / 4u + v;
      var residual = vec4f(0.0);
      if (RESIDUAL) { residual = a_residual4[k]; }
      a_y4[k] = apply_op(ax4[k], f.mean, f.scale, f.bias, residual);
    }
  }
}

// Per channel: ∂bias = Σ g, ∂weight = Σ g·x̂, summed per thread then as a tree (behind a fused
// ReLU, g only where the normalised value is positive).
@compute @workgroup_size(WG)
fn reduce(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let c = wid.x;
  let n = arrayLength(&rx) / C;
  let f = reduce_affine(c);
  var sg = 0.0;
  var sgx = 0.0;
  for (var r = t; r < n / VEC; r += WG) {
    let j = at(c, r * VEC);
    for (var v = 0u; v < VEC; v++) {
      let x = rx[j + v];
      let g = masked(vec4f(r_g[j + v]), vec4f(x), f.mean, f.scale, f.bias).x;
      sg += g;
      sgx += g * (x - f.mean);
    }
  }
  finish_reduce(c, t, sg, sgx);
}

// Runs of VEC / 4 vec4s per iteration, summed in vec4s, as stats_vec4 (reduce at 16 channels × 32×32 1.5×).
@compute @workgroup_size(WG)
fn reduce_vec4(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let c = wid.x;
  let n = arrayLength(&rx4) * 4u / C;
  let f = reduce_affine(c);
  var sg = vec4f(0.0);
  var sgx = vec4f(0.0);
  for (var r = t; r < n / VEC; r += WG) {
    let j = at(c, r * VEC) / 4u;
    for (var v = 0u; v < VEC / 4u; v++) {
      let x = rx4[j + v];
      let g = masked(r_g4[j + v], x, f.mean, f.scale, f.bias);
      sg += g;
      sgx += g * (x - f.mean);
    }
  }
  finish_reduce(c, t, sum4(sg), sum4(sgx));
}

// affine(c) for the reduction's bindings.
fn reduce_affine(c: u32) -> Affine { return Affine(r_stat_a[c], inv_std(r_stat_b[c]) * r_weight[c], r_bias[c]); }

// Each thread's sums of g and g·(x − mean), added across the workgroup; thread 0 writes them.
fn finish_reduce(c: u32, t: u32, sg: f32, sgx: f32) {
  part_a[t] = sg;
  part_b[t] = sgx * inv_std(r_stat_b[c]);
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) {
      part_a[t] += part_a[t + stride];
      part_b[t] += part_b[t + stride];
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    r_dbias[c] = part_a[0];
    r_dweight[c] = part_b[0];
  }
}

// ∂x = w·σ⁻¹·(g − (Σg + x̂·Σg·x̂)/n): the gradient through the batch mean and variance.
// Channel c's terms of ∂x: its mean, σ⁻¹, w·σ⁻¹ (= σ⁻¹·w, the scale apply_op used: a product of
// two floats does not depend on their order), bias, and Σg/n and Σg·x̂/n over its n values.
struct DxTerms { mean: f32, inv: f32, scale: f32, bias: f32, mean_g: f32, mean_gxhat: f32 }
fn dx_terms(c: u32, n: f32) -> DxTerms {
  return DxTerms(t_mean[c], t_invstd[c], t_weight[c] * t_invstd[c], t_bias[c], t_sum_g[c] / n, t_sum_gxhat[c] / n);
}
fn dx_train_op(x: vec4f, g: vec4f, d: DxTerms) -> vec4f {
  let gm = masked(g, x, d.mean, d.scale, d.bias);
  return d.scale * (gm - d.mean_g - (x - d.mean) * d.inv * d.mean_gxhat);
}

@compute @workgroup_size(WG_EW)
fn dx_train(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = f32(arrayLength(&tx) / C);
  for (var r = first(gid, nwg); r < arrayLength(&t_dx) / VEC; r += stride(nwg)) {
    let i = r * VEC;
    let d = dx_terms((i / HW) % C, n);
    for (var v = 0u; v < VEC; v++) { t_dx[i + v] = dx_train_op(vec4f(tx[i + v]), vec4f(t_g[i + v]), d).x; }
  }
}

@compute @workgroup_size(WG_EW)
fn dx_train_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = f32(arrayLength(&tx4) * 4u / C);
  for (var r = first(gid, nwg); r < arrayLength(&t_dx4) * 4u / VEC; r += stride(nwg)) {
    // HW % VEC == 0: a run never straddles a channel.
    let d = dx_terms((r * VEC / HW) % C, n);
    for (var v = 0u; v < VEC / 4u; v++) {
      let k = r * VEC / 4u + v;
      t_dx4[k] = dx_train_op(tx4[k], t_g4[k], d);
    }
  }
}

// Inference mode: y is affine in x, ∂x = g·w/√(running_var + ε) (behind a ReLU, where apply_op's
// value was positive: its scale, σ⁻¹·w, is the same product).
fn eval_affine(c: u32) -> Affine { return Affine(e_running_mean[c], inverseSqrt(e_running_var[c] + EPS) * e_weight[c], e_bias[c]); }

@compute @workgroup_size(WG_EW)
fn dx_eval(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  for (var r = first(gid, nwg); r < arrayLength(&e_dx) / VEC; r += stride(nwg)) {
    let i = r * VEC;
    let e = eval_affine((i / HW) % C);
    for (var v = 0u; v < VEC; v++) {
      e_dx[i + v] = masked(vec4f(e_g[i + v]), vec4f(ex[i + v]), e.mean, e.scale, e.bias).x * e.scale;
    }
  }
}

@compute @workgroup_size(WG_EW)
fn dx_eval_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  for (var r = first(gid, nwg); r < arrayLength(&e_dx4) * 4u / VEC; r += stride(nwg)) {
    let e = eval_affine((r * VEC / HW) % C);
    for (var v = 0u; v < VEC / 4u; v++) {
      let k = r * VEC / 4u + v;
      e_dx4[k] = masked(e_g4[k], ex4[k], e.mean, e.scale, e.bias) * e.scale;
    }
  }
}
