// AEGL's attack kernels: the PGD random start, the fused PGD step, and the guiding-adversarial-
// example (GAE) mask with its per-class counts. Images are f32 in [0, 1], any layout (elementwise).
#include <rng>

override WG: u32 = 256;

struct Pgd { eps: f32, alpha: f32, seed: u32, offset: u32 }

// pgd_step: x ← clip01(clamp(x + α·sign(g), x_clean − ε, x_clean + ε)); random_start writes x.
@group(0) @binding(0) var<storage, read> x_in: array<f32>;
@group(0) @binding(1) var<storage, read> x_clean: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> x_out: array<f32>;
@group(0) @binding(4) var<uniform> pgd: Pgd;

fn index(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

@compute @workgroup_size(WG)
fn pgd_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i >= arrayLength(&x_out)) { return; }
  let c = x_clean[i];
  // WGSL sign(0) is 0, as torch.sign: a zero gradient leaves the pixel where it is.
  let stepped = x_in[i] + pgd.alpha * sign(grad[i]);
  x_out[i] = clamp(clamp(stepped, c - pgd.eps, c + pgd.eps), 0.0, 1.0);
}

// random_start: bindings are x_clean (0) and x_out (1) with the uniform at 2.
@group(0) @binding(0) var<storage, read> rs_clean: array<f32>;
@group(0) @binding(1) var<storage, read_write> rs_out: array<f32>;
@group(0) @binding(2) var<uniform> rs: Pgd;
const STREAM_PGD_START: u32 = 6u; // RngStream.pgdRandomStart in src/rng-streams.ts

@compute @workgroup_size(WG)
fn random_start(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i >= arrayLength(&rs_out)) { return; }
  let u = rand_uniform(rs.seed, STREAM_PGD_START, rs.offset + i);
  rs_out[i] = clamp(rs_clean[i] + (2.0 * u - 1.0) * rs.eps, 0.0, 1.0);
}

// GAE marking: mark[i] = 1 once a tail example (label ≥ tail_from) is predicted as a head class.
// The official filter instead marks a tail example whose prediction equals none of the tail labels
// present in the batch (the released code's broadcasting slip). Rows with label < tail_from and
// padding rows (label ≥ classes) are never marked.
override CLASSES: u32 = 10u;
override TAIL_FROM: u32 = 5u;
override OFFICIAL: bool = false;
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> mark: array<f32>;

fn predicted(row: u32) -> u32 {
  var best = 0u;
  var best_value = logits[row * CLASSES];
  for (var c = 1u; c < CLASSES; c++) {
    let v = logits[row * CLASSES + c];
    if (v > best_value) { best = c; best_value = v; }
  }
  return best;
}

fn is_tail(label: u32) -> bool { return label >= TAIL_FROM && label < CLASSES; }

@compute @workgroup_size(64)
fn gae_mark(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let n = arrayLength(&mark);
  if (i >= n || !is_tail(labels[i])) { return; }
  let p = predicted(i);
  var crossed = p < TAIL_FROM;
  if (OFFICIAL) {
    crossed = true;
    for (var j = 0u; j < n; j++) {
      if (is_tail(labels[j]) && labels[j] == p) { crossed = false; }
    }
  }
  if (crossed) { mark[i] = 1.0; }
}

// Per tail class c: counts[2c] += GAEs, counts[2c + 1] += tail examples that never crossed.
@group(0) @binding(0) var<storage, read> count_labels: array<u32>;
@group(0) @binding(1) var<storage, read> count_mark: array<f32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;

@compute @workgroup_size(64)
fn gae_count(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= arrayLength(&count_mark) || !is_tail(count_labels[i])) { return; }
  let slot = 2u * count_labels[i] + select(1u, 0u, count_mark[i] > 0.0);
  atomicAdd(&counts[slot], 1u);
}
