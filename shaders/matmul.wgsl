// C[M, N] = op(A) · op(B), f32. op(A) is A [M, K], or Aᵀ when TA (A stored [K, M]); op(B) is
// B [K, N], or Bᵀ when TB (B stored [N, K]). N and the transposes are override constants; M and K
// are not, since either may be the batch (M in a forward, K in a weight gradient): size_m() and
// size_k() read them off the inputs' lengths (bindings are the tensors' exact ranges), so one
// pipeline serves every batch size. Two variants:
// - blocked: each invocation owns a 4×4 block of C (a mat4x4f, one vec4 per row), no workgroup memory.
//   Lavapipe runs it fastest (barriers are expensive there).
// - tiled: a 16×16 workgroup stages 64×16 slices of op(A) and op(B) in workgroup memory and each
//   invocation still owns a 4×4 block; the shape real GPUs reward.
// blocked also comes as `blocked_vec4`, wherever every row it loads is whole vec4s: N divisible by
// 4, and the size op(A)'s rows run along (K, or M when TA) and op(B)'s when TB (K) too
// (src/ops/matmul.ts picks it). The same arithmetic in the same order (the same result to the bit),
// four steps of k at a time from eight vec4 loads where `blocked` makes 32 scalar ones (on
// lavapipe each load is a loop over the lanes, whatever its width). So a batch M that is not a
// multiple of 4 (AEGL's, with its tail rows) keeps it in a forward and ∂x, and a batch K in a
// weight gradient (TA, not TB) takes its last K % 4 steps one at a time.
// Edges: loads clamp their row/column to the matrix (cheap, branch-free); stores skip what is
// outside C; the tiled variant zero-fills the K tail it stages.
override N: u32;
override TA: bool = false;
override TB: bool = false;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(0) var<storage, read> a4: array<vec4f>; // blocked_vec4
@group(0) @binding(1) var<storage, read> b4: array<vec4f>; // blocked_vec4
@group(0) @binding(2) var<storage, read_write> c4: array<vec4f>; // blocked_vec4

// op(B) holds K·N values, op(A) M·K. Functions of arrayLength, not variables: WGSL's uniformity
// analysis must see the tiled variant's loop around its barriers as uniform.
fn size_k() -> u32 { return arrayLength(&b) / N; }
fn size_m() -> u32 { return arrayLength(&a) / size_k(); }

fn load_a(m: u32, k: u32) -> f32 {
  if (TA) { return a[k * size_m() + m]; }
  return a[m * size_k() + k];
}

fn load_b(k: u32, n: u32) -> f32 {
  if (TB) { return b[n * size_k() + k]; }
  return b[k * N + n];
}

fn store_row(m: u32, n0: u32, v: vec4f) {
  if (m >= size_m()) { return; }
  let row = m * N;
  for (var j = 0u; j < 4u; j++) {
    if (n0 + j < N) { c[row + n0 + j] = v[j]; }
  }
}

// A 4×4 block of C: column i of the matrix holds row m0 + i (a vec4 over n).
fn store_block(m0: u32, n0: u32, block: mat4x4f) {
  for (var i = 0u; i < 4u; i++) { store_row(m0 + i, n0, block[i]); }
}

// block += a ⊗ b: one step of k for rows m0..m0+3 (a, over m) and columns n0..n0+3 (b, over n).
fn rank1(block: mat4x4f, a: vec4f, b: vec4f) -> mat4x4f {
  return mat4x4f(fma(vec4f(a.x), b, block[0]), fma(vec4f(a.y), b, block[1]), fma(vec4f(a.z), b, block[2]), fma(vec4f(a.w), b, block[3]));
}

const QUAD = vec4u(0u, 1u, 2u, 3u);

// Dispatch: (ceil(N / 32), ceil(M / 32)) workgroups of 8×8.
@compute @workgroup_size(8, 8)
fn blocked(@builtin(global_invocation_id) gid: vec3u) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= size_m() || n0 >= N) { return; }
  let mi = min(vec4u(m0) + QUAD, vec4u(size_m() - 1u));
  let ni = min(vec4u(n0) + QUAD, vec4u(N - 1u));
  var block = mat4x4f();
  for (var k = 0u; k < size_k(); k++) {
    let av = vec4f(load_a(mi.x, k), load_a(mi.y, k), load_a(mi.z, k), load_a(mi.w, k));
    let bv = vec4f(load_b(k, ni.x), load_b(k, ni.y), load_b(k, ni.z), load_b(k, ni.w));
    block = rank1(block, av, bv);
  }
  store_block(m0, n0, block);
}

// blocked_vec4's sizes, from its vec4 bindings (size_k() would bind b beside b4).
fn size_k4() -> u32 { return arrayLength(&b4) * 4u / N; }
fn size_m4() -> u32 { return arrayLength(&a4) * 4u / size_k4(); }

// Column i of the result: op(A)[m0 .. m0+3][k + i] (a vec4 over m) for i = 0..3. Without TA, rows
// past M repeat the last (as blocked's clamp); with TA, M is a multiple of 4.
fn a_columns(m0: u32, k: u32) -> mat4x4f {
  let m = size_m4();
  let kk = size_k4();
  if (TA) { return mat4x4f(a4[(k * m + m0) / 4u], a4[((k + 1u) * m + m0) / 4u], a4[((k + 2u) * m + m0) / 4u], a4[((k + 3u) * m + m0) / 4u]); }
  let r = min(vec4u(m0) + QUAD, vec4u(m - 1u));
  return transpose(mat4x4f(a4[(r.x * kk + k) / 4u], a4[(r.y * kk + k) / 4u], a4[(r.z * kk + k) / 4u], a4[(r.w * kk + k) / 4u]));
}

// Column i of the result: op(B)[k + i][n0 .. n0+3] (a vec4 over n) for i = 0..3.
fn b_rows(k: u32, n0: u32) -> mat4x4f {
  let kk = size_k4();
  if (TB) { return transpose(mat4x4f(b4[(n0 * kk + k) / 4u], b4[((n0 + 1u) * kk + k) / 4u], b4[((n0 + 2u) * kk + k) / 4u], b4[((n0 + 3u) * kk + k) / 4u])); }
  return mat4x4f(b4[(k * N + n0) / 4u], b4[((k + 1u) * N + n0) / 4u], b4[((k + 2u) * N + n0) / 4u], b4[((k + 3u) * N + n0) / 4u]);
}

// Dispatch: as blocked.
@compute @workgroup_size(8, 8)
fn blocked_vec4(@builtin(global_invocation_id) gid: vec3u) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  let m = size_m4();
  let kk = size_k4();
  if (m0 >= m || n0 >= N) { return; }
  var block = mat4x4f();
  var k = 0u;
  for (; k + 4u <= kk; k += 4u) {
    let av = a_columns(m0, k);
    let bv = b_rows(k, n0);
    for (var i = 0u; i < 4u; i++) {
      block = rank1(block, av[i], bv[i]);
    }
  }
  // K % 4 last steps (TA and not TB: both rows of step k are vec4s over m and n).
  for (; k < kk; k++) {
    let av = a4[(k * m + m0) / 4u];
    let bv = b4[(k * N + n0) / 4u];
    block = rank1(block, av, bv);
  }
  // N divisible by 4: a row's block is inside C; rows past M (without TA) are not stored.
  for (var i = 0u; i < 4u; i++) {
    if (m0 + i < m) { c4[((m0 + i) * N + n0) / 4u] = block[i]; }
  }
}

const TILE = 64u;
const TK = 16u;
var<workgroup> tile_a: array<array<f32, TILE>, TK>; // [k][m]
var<workgroup> tile_b: array<array<f32, TILE>, TK>; // [k][n]

// Dispatch: (ceil(N / 64), ceil(M / 64)) workgroups of 16×16.
@compute @workgroup_size(16, 16)
fn tiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let m_base = wid.y * TILE;
  let n_base = wid.x * TILE;
  let t = lid.y * 16u + lid.x;
  var block = mat4x4f();
  for (var k0 = 0u; k0 < size_k(); k0 += TK) {
    // 1024 elements of each slice, four per invocation.
    for (var r = 0u; r < 4u; r++) {
      let e = t + r * 256u;
      let kk = e / TILE;
      let mn = e % TILE;
      let k = k0 + kk;
      let kc = min(k, size_k() - 1u);
      tile_a[kk][mn] = select(0.0, load_a(min(m_base + mn, size_m() - 1u), kc), k < size_k());
      tile_b[kk][mn] = select(0.0, load_b(kc, min(n_base + mn, N - 1u)), k < size_k());
    }
    workgroupBarrier();
    let mo = lid.y * 4u;
    let no = lid.x * 4u;
    for (var kk = 0u; kk < TK; kk++) {
      let av = vec4f(tile_a[kk][mo], tile_a[kk][mo + 1u], tile_a[kk][mo + 2u], tile_a[kk][mo + 3u]);
      let bv = vec4f(tile_b[kk][no], tile_b[kk][no + 1u], tile_b[kk][no + 2u], tile_b[kk][no + 3u]);
      block = rank1(block, av, bv);
    }
    workgroupBarrier();
  }
  store_block(m_base + lid.y * 4u, n_base + lid.x * 4u, block);
}

// linear's bias, in place on its fresh output: y[m, n] += bias[n].
@group(0) @binding(0) var<storage, read> bias: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn add_bias(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i < arrayLength(&y)) { y[i] += bias[i % N]; }
}
