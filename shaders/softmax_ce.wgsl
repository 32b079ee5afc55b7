// Fused softmax + cross-entropy, PyTorch's F.cross_entropy(reduction='mean', weight=w) with a
// per-example mask m: loss = Σᵢ mᵢ·w[yᵢ]·ℓᵢ / Σᵢ mᵢ·w[yᵢ], ℓᵢ = logsumexp(xᵢ) − xᵢ[yᵢ], and 0 when the
// denominator is 0 (an empty mask), decided here so the host never waits for it.
// Without weights or mask, HAS_W / HAS_M are false and those bindings get any read-only buffer.
override C: u32;
override HAS_W: bool = false;
override HAS_M: bool = false;
const WG = 64u;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<f32>;

fn row_index(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// Max-shifted, so ±1e4 logits neither overflow nor underflow to a wrong answer.
fn row_max(base: u32) -> f32 {
  var mx = logits[base];
  for (var c = 1u; c < C; c++) { mx = max(mx, logits[base + c]); }
  return mx;
}

fn row_sum_exp(base: u32, mx: f32) -> f32 {
  var s = 0.0;
  for (var c = 0u; c < C; c++) { s += exp(logits[base + c] - mx); }
  return s;
}

fn row_weight(i: u32, y: u32) -> f32 {
  var w = 1.0;
  if (HAS_W) { w = weights[y]; }
  if (HAS_M) { w *= mask[i]; }
  return w;
}

// Per row: terms[i] = (wᵢ·ℓᵢ, wᵢ); a column-sum reduction (reduce.wgsl) then gives (num, den).
@group(0) @binding(4) var<storage, read_write> terms: array<vec2f>;

@compute @workgroup_size(WG)
fn rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = row_index(gid, nwg);
  if (i >= arrayLength(&terms)) { return; }
  let base = i * C;
  let y = labels[i];
  let w = row_weight(i, y);
  let mx = row_max(base);
  let nll = log(row_sum_exp(base, mx)) + mx - logits[base + y];
  // A zero weight contributes exactly 0, like PyTorch (no 0·inf from a masked-out row).
  terms[i] = vec2f(select(0.0, w * nll, w != 0.0), w);
}

// loss = num / den, or 0 when den == 0.
@group(0) @binding(0) var<storage, read> sums: vec2f;
@group(0) @binding(1) var<storage, read_write> loss: f32;

@compute @workgroup_size(1)
fn finish() {
  loss = select(0.0, sums.x / sums.y, sums.y != 0.0);
}

// dlogits[i, c] = (softmax(xᵢ)[c] − [c == yᵢ])·wᵢ·g / den (0 when den == 0), one row per invocation.
@group(0) @binding(4) var<storage, read> totals: vec2f;
@group(0) @binding(5) var<storage, read> grad_out: f32;
@group(0) @binding(6) var<storage, read_write> dlogits: array<f32>;

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = row_index(gid, nwg);
  if (i >= arrayLength(&labels)) { return; }
  let base = i * C;
  let y = labels[i];
  let den = totals.y;
  let k = select(0.0, row_weight(i, y) * grad_out / den, den != 0.0);
  let mx = row_max(base);
  let inv = 1.0 / row_sum_exp(base, mx);
  for (var c = 0u; c < C; c++) {
    let p = exp(logits[base + c] - mx) * inv;
    dlogits[base + c] = (p - select(0.0, 1.0, c == y)) * k;
  }
}
