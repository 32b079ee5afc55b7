// conv2d in NCHW with PyTorch's weight layout [K, C, R, S]: forward, input gradient (dgrad),
// weight gradient (wgrad, split over rows of the output and summed by `sum_splits`) and bias
// gradient. Two families of each pass:
//   *_blocked (and dgrad_adjacent): each invocation keeps a (4·CV)-channel × PX-pixel block in
//     registers and reads a row segment of the image once for every kernel tap (8 pixels ran
//     1.4–1.6× faster than 4 on lavapipe; CV = 2, "wide", 1.3–1.9× faster than CV = 1 where loads
//     per multiply-add are high); no workgroup memory (lavapipe runs barriers badly). Channel
//     blocks come from workgroup_id, so weight (and, in wgrad, gradient) addresses are uniform
//     across the workgroup.
//   *_tiled: implicit GEMM in workgroup-memory tiles (TM × TN outputs, TK deep), each invocation
//     a 4 × 4 block of the tile; what real GPUs run well.
// Shapes are override constants (one pipeline per layer shape), all but the batch (conv_shape.wgsl).
#include <conv_shape>
override HAS_BIAS: bool = false;
override SPLIT_ROWS: u32 = 1u; // wgrad: output rows (n, oy) summed by one split

const WG = 64u;
// Longest row segment one blocked invocation reads per tap row (checked by src/ops/conv.ts).
const SPAN = 24u;
// Pixels of one row per blocked invocation (forward and input gradient: 8; dgrad_adjacent also 16,
// which halves the weight loads per multiply-add), at most MAX_PX.
override PX: u32 = 8u;
const MAX_PX = 16u;
// Channel vec4s per blocked invocation, at most MAX_CV: with CV = 2 each loaded value feeds twice
// the multiply-adds, which pays where loads per FMA are high (stride 2, wide kernels).
override CV: u32 = 1u;
const MAX_CV = 2u;
const MAX_ACC = MAX_PX * MAX_CV;

// Each entry point uses its own names; names that share a binding never meet in one entry point.
@group(0) @binding(0) var<storage, read> x: array<f32>; // fwd, wgrad
@group(0) @binding(0) var<storage, read> dy: array<f32>; // dgrad, bias_grad
@group(0) @binding(0) var<storage, read> parts: array<f32>; // sum_splits
@group(0) @binding(1) var<storage, read> w: array<f32>; // fwd, dgrad
@group(0) @binding(1) var<storage, read> dyw: array<f32>; // wgrad: the output gradient
@group(0) @binding(1) var<storage, read_write> dw: array<f32>; // sum_splits
@group(0) @binding(0) var<storage, read> parts4: array<vec4f>; // sum_splits_vec4
@group(0) @binding(1) var<storage, read_write> dw4: array<vec4f>; // sum_splits_vec4
@group(0) @binding(1) var<storage, read_write> db: array<f32>; // bias_grad
@group(0) @binding(2) var<storage, read> bias: array<f32>; // fwd
@group(0) @binding(2) var<storage, read_write> dx: array<f32>; // dgrad
@group(0) @binding(2) var<storage, read_write> dw_parts: array<f32>; // wgrad: [splits, K, C, R, S]
@group(0) @binding(3) var<storage, read_write> y: array<f32>; // fwd

#include <packed_kernel>
#include <dw_parts>
#include <adjacent_output>
#include <wgrad_window>
// dgrad_adjacent: its blocks of the kernel packed with TRANSPOSE, [K][R][S][CV] vec4s of input channels.
@group(0) @binding(1) var<uniform> wp: array<vec4f, UNIFORM_VEC4S>;
@group(0) @binding(3) var<uniform> dispatch: Dispatch; // dgrad_adjacent

// The batch, from the input's or dy's length (bindings are the tensors' exact ranges): see conv_shape.wgsl.
fn batch_x() -> u32 { return arrayLength(&x) / (C * H * W); }
fn batch_dy() -> u32 { return arrayLength(&dy) / (K * HO * WO); }

fn flat(gid: vec3u, nwg: vec3u, wg: u32) -> u32 { return gid.x + gid.y * nwg.x * wg; }


// Row offsets of four weight rows, clamped so a partial channel block reads valid memory.
fn rows4(first: u32, count: u32, stride: u32) -> vec4u {
  let last = count - 1u;
  return vec4u(min(first, last), min(first + 1u, last), min(first + 2u, last), min(first + 3u, last)) * stride;
}

// ---- forward, register-blocked: 4·CV output channels (workgroup_id.z) × PX pixels of one row ----
@compute @workgroup_size(WG)
fn fwd_blocked(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let blocks = (WO + PX - 1u) / PX;
  let pb = flat(gid, nwg, WG);
  if (pb >= batch_x() * HO * blocks) { return; }
  let ox0 = (pb % blocks) * PX;
  let oy = (pb / blocks) % HO;
  let n = pb / blocks / HO;
  let co0 = wid.z * 4u * CV;
  var wrow: array<vec4u, MAX_CV>;
  for (var v = 0u; v < CV; v++) { wrow[v] = rows4(co0 + 4u * v, K, C * R * S); }
  let ix0 = i32(ox0 * ST) - i32(P);
  var acc: array<vec4f, MAX_ACC>; // acc[pixel · CV + channel vec4]
  for (var ci = 0u; ci < C; ci++) {
    for (var ky = 0u; ky < R; ky++) {
      let iy = i32(oy * ST + ky) - i32(P);
      if (iy < 0 || iy >= i32(H)) { continue; }
      let xrow = ((n * C + ci) * H + u32(iy)) * W;
      var xs: array<f32, SPAN>;
      for (var t = 0u; t < (PX - 1u) * ST + S; t++) { xs[t] = xat(xrow, ix0 + i32(t)); }
      let wt = (ci * R + ky) * S;
      for (var kx = 0u; kx < S; kx++) {
        for (var v = 0u; v < CV; v++) {
          let wr = wrow[v] + wt + kx;
          let wv = vec4f(w[wr.x], w[wr.y], w[wr.z], w[wr.w]);
          for (var j = 0u; j < PX; j++) { acc[j * CV + v] += wv * xs[j * ST + kx]; }
        }
      }
    }
  }
  // Constant trip counts (no break) keep acc's indices compile-time, so acc stays in registers.
  for (var v = 0u; v < CV; v++) {
    for (var i = 0u; i < 4u; i++) {
      let co = co0 + 4u * v + i;
      if (co < K) {
        var b = 0.0;
        if (HAS_BIAS) { b = bias[co]; }
        let row = ((n * K + co) * HO + oy) * WO;
        for (var j = 0u; j < PX; j++) {
          if (ox0 + j < WO) { y[row + ox0 + j] = acc[j * CV + v][i] + b; }
        }
      }
    }
  }
}

// ---- input gradient, register-blocked: 4·CV input channels × PX pixels ix0 + ST·j of one row ----
// The pixels share a residue r = ix0 mod ST (workgroup_id.z = channel block · ST + r), so with
// stride 2 every pixel of the block takes the same kernel taps, and the tap test is uniform.
@compute @workgroup_size(WG)
fn dgrad_blocked(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let blocks = ((W + ST - 1u) / ST + PX - 1u) / PX;
  let pb = flat(gid, nwg, WG);
  if (pb >= batch_dy() * H * blocks) { return; }
  let r = wid.z % ST;
  let ci0 = (wid.z / ST) * 4u * CV;
  let ix0 = r + ST * PX * (pb % blocks);
  let iy = (pb / blocks) % H;
  let n = pb / blocks / H;
  var wcol: array<vec4u, MAX_CV>;
  for (var v = 0u; v < CV; v++) { wcol[v] = rows4(ci0 + 4u * v, C, R * S); }
  // Tap kx of pixel j reads dy column j + (ix0 + P − kx) / ST; lo is the first any tap reads.
  let base = ix0 + P;
  let lo = i32((base + ST * S - (S - 1u)) / ST) - i32(S);
  var acc: array<vec4f, MAX_ACC>; // acc[pixel · CV + channel vec4]
  for (var co = 0u; co < K; co++) {
    for (var ky = 0u; ky < R; ky++) {
      let ty = i32(iy + P) - i32(ky);
      if (ty < 0 || u32(ty) % ST != 0u || u32(ty) / ST >= HO) { continue; }
      let grow = ((n * K + co) * HO + u32(ty) / ST) * WO;
      var ds: array<f32, SPAN>;
      for (var t = 0u; t < PX + 1u + (S - 1u) / ST; t++) {
        let ox = lo + i32(t);
        ds[t] = select(0.0, dy[grow + u32(clamp(ox, 0, i32(WO) - 1))], ox >= 0 && ox < i32(WO));
      }
      let wt = co * C * R * S + ky * S;
      for (var kx = 0u; kx < S; kx++) {
        if ((r + P + ST * S - kx) % ST != 0u) { continue; }
        let off = i32((base + ST * S - kx) / ST) - i32(S) - lo;
        for (var v = 0u; v < CV; v++) {
          let wc = wcol[v] + wt + kx;
          let wv = vec4f(w[wc.x], w[wc.y], w[wc.z], w[wc.w]);
          for (var j = 0; j < i32(PX); j++) { acc[u32(j) * CV + v] += wv * ds[off + j]; }
        }
      }
    }
  }
  for (var v = 0u; v < CV; v++) {
    for (var i = 0u; i < 4u; i++) {
      let ci = ci0 + 4u * v + i;
      if (ci < C) {
        let row = ((n * C + ci) * H + iy) * W;
        for (var j = 0u; j < PX; j++) {
          if (ix0 + ST * j < W) { dx[row + ix0 + ST * j] = acc[j * CV + v][i]; }
        }
      }
    }
  }
}

// ---- input gradient, register-blocked: 4·CV input channels × PX adjacent pixels of one row ----
// The block starts at a multiple of PX and ST divides PX, so which taps reach pixel j, and from
// which loaded dy column, is fixed at compile time: no per-lane residue tests, and each dy value
// loaded feeds every tap it reaches (at stride 2, 1.5 taps per pixel on average; dgrad_blocked
// feeds 1 or 2 by residue). The rows of a workgroup share iy mod ST (workgroup_id.z = channel
// block · ST + that residue), so the kernel-row test is uniform. 1.7–2× dgrad_blocked at stride 2
// on llvmpipe; at stride 1 the two are the same loop, which OpenGL ES runs faster as dgrad_blocked.
// The weights come packed (packed_kernel.wgsl): one uniform vec4 load brings 4 input channels.
@compute @workgroup_size(WG)
fn dgrad_adjacent(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let blocks = (W + PX - 1u) / PX;
  let ry = wid.z % ST;
  let rows = (H + ST - 1u - ry) / ST;
  let pb = flat(gid, nwg, WG);
  if (pb >= batch_dy() * rows * blocks) { return; }
  let ix0 = (pb % blocks) * PX;
  let iy = ry + ST * ((pb / blocks) % rows);
  let n = pb / blocks / rows;
  let block = wid.z / ST; // within this dispatch's blocks
  // Tap kx reaches pixel ix0 + j from dy column ix0 / ST − S + e / ST, e = j + P + ST·S − kx,
  // when ST divides e; ds[t] holds the column of e / ST = e_lo + t.
  let e_lo = (P + ST * S - (S - 1u)) / ST;
  let col0 = i32(ix0 / ST) - i32(S) + i32(e_lo);
  var acc: array<vec4f, MAX_ACC>; // acc[pixel · CV + channel vec4]
  for (var co = 0u; co < K; co++) {
    for (var ky = 0u; ky < R; ky++) {
      let ty = i32(iy + P) - i32(ky);
      if (ty < 0 || u32(ty) % ST != 0u || u32(ty) / ST >= HO) { continue; }
      let grow = ((n * K + co) * HO + u32(ty) / ST) * WO;
      var ds: array<f32, SPAN>;
      for (var t = 0u; t < (PX - 1u + P + ST * S) / ST + 1u - e_lo; t++) {
        let ox = col0 + i32(t);
        ds[t] = select(0.0, dy[grow + u32(clamp(ox, 0, i32(WO) - 1))], ox >= 0 && ox < i32(WO));
      }
      let wt = block * BLOCK4 + (co * R + ky) * S * CV;
      // The weights before the multiply-adds: multiply-adds between loads scheduled badly on
      // lavapipe (10–15 % slower at stride 2).
      var ws: array<vec4f, MAX_S * MAX_CV>; // ws[kx · CV + v]
      for (var kx = 0u; kx < S; kx++) {
        for (var v = 0u; v < CV; v++) { ws[kx * CV + v] = wp[wt + kx * CV + v]; }
      }
      for (var kx = 0u; kx < S; kx++) {
        for (var v = 0u; v < CV; v++) {
          for (var j = 0u; j < PX; j++) {
            let e = j + P + ST * S - kx;
            if (e % ST == 0u) { acc[j * CV + v] += ws[kx * CV + v] * ds[e / ST - e_lo]; }
          }
        }
      }
    }
  }
  store_dx_block(true, dispatch.block0 + block, n, iy, ix0, acc);
}

// ---- weight gradient, register-blocked: one (ci, ky) per invocation, 4 output channels
// (workgroup_id.y) × all S taps in registers, over SPLIT_ROWS output rows (workgroup_id.z), 4
// pixels of a row at a time (8 ran slower here, unlike the forward) ----
const MAX_S = 8u;
const MAX_TAPS = 9u; // wgrad_rows: R·S at most
@compute @workgroup_size(16)
fn wgrad_blocked(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= C * R) { return; }
  let ci = gid.x / R;
  let ky = gid.x % R;
  let co0 = gid.y * 4u;
  let grow4 = rows4(co0, K, HO * WO);
  let row_end = min((gid.z + 1u) * SPLIT_ROWS, batch_x() * HO);
  var acc: array<vec4f, MAX_TAPS>; // acc[kx][channel]
  for (var row = gid.z * SPLIT_ROWS; row < row_end; row++) {
    let n = row / HO;
    let oy = row % HO;
    let iy = i32(oy * ST + ky) - i32(P);
    if (iy < 0 || iy >= i32(H)) { continue; }
    let xrow = ((n * C + ci) * H + u32(iy)) * W;
    let grow = n * K * HO * WO + oy * WO;
    for (var ox0 = 0u; ox0 < WO; ox0 += 4u) {
      var xs: array<f32, SPAN>;
      let ix0 = i32(ox0 * ST) - i32(P);
      for (var t = 0u; t < 3u * ST + S; t++) { xs[t] = xat(xrow, ix0 + i32(t)); }
      for (var j = 0u; j < 4u; j++) {
        let ox = min(ox0 + j, WO - 1u);
        let g = select(vec4f(0.0), vec4f(dyw[grow + grow4.x + ox], dyw[grow + grow4.y + ox], dyw[grow + grow4.z + ox], dyw[grow + grow4.w + ox]), ox0 + j < WO);
        for (var kx = 0u; kx < S; kx++) { acc[kx] += g * xs[j * ST + kx]; }
      }
    }
  }
  store_dw_part(gid.z, co0, (ci * R + ky) * S, S, acc);
}

// ---- weight gradient, all kernel rows per invocation: one input channel per invocation, 4·CV
// output channels (workgroup_id.y) × all R·S taps, over SPLIT_ROWS output rows (workgroup_id.z).
// The dy values (uniform across the workgroup) are loaded once per 4-pixel chunk and feed R·S taps
// instead of wgrad_blocked's S, for R row loads of x: fewer loads per multiply-add, in exchange
// for C lanes instead of C·R (too few lanes where C is small). Consecutive chunks hand their
// shared input columns on (ResNet-32's 3-channel stem 1.1×, with CV = 2 2.4×).
@compute @workgroup_size(16)
fn wgrad_rows(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= C) { return; }
  let ci = gid.x;
  let co0 = gid.y * 4u * CV;
  let grow4 = rows4(co0, K, HO * WO);
  let grow4b = rows4(co0 + 4u, K, HO * WO); // channels 4..7 when CV = 2
  let row_end = min((gid.z + 1u) * SPLIT_ROWS, batch_x() * HO);
  var acc: array<vec4f, MAX_TAPS>; // acc[ky · S + kx][channel]
  var accb: array<vec4f, MAX_TAPS>;
  for (var row = gid.z * SPLIT_ROWS; row < row_end; row++) {
    let n = row / HO;
    let oy = row % HO;
    let grow = n * K * HO * WO + oy * WO;
    // Each chunk hands its last OVERLAP input columns per kernel row on to the next (wgrad_window.wgsl).
    var carry: array<array<f32, MAX_OVERLAP>, MAX_TAPS>;
    first_carry(&carry, n, ci, oy);
    for (var ox0 = 0u; ox0 < WO; ox0 += 4u) {
      var g: array<vec4f, 4>;
      var gb: array<vec4f, 4>;
      for (var j = 0u; j < 4u; j++) {
        let ox = min(ox0 + j, WO - 1u);
        g[j] = select(vec4f(0.0), vec4f(dyw[grow + grow4.x + ox], dyw[grow + grow4.y + ox], dyw[grow + grow4.z + ox], dyw[grow + grow4.w + ox]), ox0 + j < WO);
        if (CV > 1u) {
          gb[j] = select(vec4f(0.0), vec4f(dyw[grow + grow4b.x + ox], dyw[grow + grow4b.y + ox], dyw[grow + grow4b.z + ox], dyw[grow + grow4b.w + ox]), ox0 + j < WO);
        }
      }
      let ix0 = i32(ox0 * ST) - i32(P);
      for (var ky = 0u; ky < R; ky++) {
        let iy = i32(oy * ST + ky) - i32(P);
        if (iy < 0 || iy >= i32(H)) { continue; }
        let xrow = ((n * C + ci) * H + u32(iy)) * W;
        var xs: array<f32, SPAN>;
        for (var t = 0u; t < OVERLAP; t++) { xs[t] = carry[ky][t]; }
        for (var t = OVERLAP; t < 3u * ST + S; t++) { xs[t] = xat(xrow, ix0 + i32(t)); }
        for (var t = 0u; t < OVERLAP; t++) { carry[ky][t] = xs[4u * ST + t]; }
        for (var j = 0u; j < 4u; j++) {
          for (var kx = 0u; kx < S; kx++) { acc[ky * S + kx] += g[j] * xs[j * ST + kx]; }
          if (CV > 1u) {
            for (var kx = 0u; kx < S; kx++) { accb[ky * S + kx] += gb[j] * xs[j * ST + kx]; }
          }
        }
      }
    }
  }
  store_dw_part(gid.z, co0, ci * R * S, R * S, acc);
  if (CV > 1u) { store_dw_part(gid.z, co0 + 4u, ci * R * S, R * S, accb); }
}


// dw[e] = Σ over splits of dw_parts[split, e], in split order.
@compute @workgroup_size(WG)
fn sum_splits(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = flat(gid, nwg, WG);
  let n = arrayLength(&dw);
  if (e >= n) { return; }
  var s = 0.0;
  for (var k = 0u; k < arrayLength(&parts) / n; k++) { s += parts[k * n + e]; }
  dw[e] = s;
}

// The same, four values per invocation where dw's length allows (src/ops/conv.ts picks): a vec4
// load takes one of lavapipe's loops over the lanes for four values (see shaders/elementwise.wgsl).
@compute @workgroup_size(WG)
fn sum_splits_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = flat(gid, nwg, WG);
  let n = arrayLength(&dw4);
  if (e >= n) { return; }
  var s = vec4f(0.0);
  for (var k = 0u; k < arrayLength(&parts4) / n; k++) { s += parts4[k * n + e]; }
  dw4[e] = s;
}

// db[co] = Σ dy[n, co, :, :]: one workgroup per channel, a tree over its lanes at the end.
var<workgroup> lane_sums: array<f32, WG>;
@compute @workgroup_size(WG)
fn bias_grad(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let plane = HO * WO;
  var s = 0.0;
  for (var i = lane; i < batch_dy() * plane; i += WG) { s += dy[((i / plane) * K + wid.x) * plane + i % plane]; }
  lane_sums[lane] = s;
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    workgroupBarrier();
    if (lane < half) { lane_sums[lane] += lane_sums[lane + half]; }
  }
  if (lane == 0u) { db[wid.x] = lane_sums[0]; }
}

// ---- tiled family: implicit GEMM out[m, p] = Σ_k A[m, k] · B[k, p] through workgroup memory ----
// fwd:   m = output channel, p = output pixel (n, oy, ox), k = (ci, ky, kx)
// dgrad: m = input channel,  p = input pixel (n, iy, ix),  k = (co, ky, kx)
// wgrad: m = output channel, p = tap (ci, ky, kx),         k = output pixel of this split
// Workgroups of 8 × 8 invocations, each a 4 × 4 block of a TM × TN tile; TK-deep slices of A and
// B are staged in workgroup memory. Out-of-range elements stage as 0 and are never stored.
const TM = 32u;
const TN = 32u;
const TK = 16u;
var<workgroup> tile_a: array<array<f32, TM>, TK>; // [k][m]
var<workgroup> tile_b: array<array<f32, TN>, TK>; // [k][p]

fn mma_tile(lid: vec3u, acc: ptr<function, array<vec4f, 4>>) {
  let mo = lid.y * 4u;
  let po = lid.x * 4u;
  for (var kk = 0u; kk < TK; kk++) {
    let a = vec4f(tile_a[kk][mo], tile_a[kk][mo + 1u], tile_a[kk][mo + 2u], tile_a[kk][mo + 3u]);
    let b = vec4f(tile_b[kk][po], tile_b[kk][po + 1u], tile_b[kk][po + 2u], tile_b[kk][po + 3u]);
    for (var i = 0u; i < 4u; i++) { (*acc)[i] = fma(vec4f(a[i]), b, (*acc)[i]); }
  }
}

// x[n, ci, iy, ix] for the output pixel p and tap t = (ci, ky, kx) as fwd and wgrad need it; 0 in the padding.
fn x_tap(p: u32, t: u32) -> f32 {
  let n = p / (HO * WO);
  let oy = (p / WO) % HO;
  let ox = p % WO;
  let ci = t / (R * S);
  let iy = i32(oy * ST + (t / S) % R) - i32(P);
  let ix = i32(ox * ST + t % S) - i32(P);
  let inside = iy >= 0 && iy < i32(H) && ix >= 0 && ix < i32(W) && n < batch_x() && ci < C;
  let i = ((min(n, batch_x() - 1u) * C + min(ci, C - 1u)) * H + u32(clamp(iy, 0, i32(H) - 1))) * W + u32(clamp(ix, 0, i32(W) - 1));
  return select(0.0, x[i], inside);
}

@compute @workgroup_size(8, 8)
fn fwd_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let p_base = (wid.x + wid.y * nwg.x) * TN;
  let m_base = wid.z * TM;
  let crs = C * R * S;
  var acc: array<vec4f, 4>; // acc[channel][pixel]
  for (var k0 = 0u; k0 < crs; k0 += TK) {
    for (var e = li; e < TK * TM; e += 64u) {
      let k = k0 + e / TM;
      let j = e % TM;
      tile_a[e / TM][j] = select(0.0, w[min(m_base + j, K - 1u) * crs + min(k, crs - 1u)], k < crs);
      tile_b[e / TM][j] = x_tap(p_base + j, k);
    }
    workgroupBarrier();
    mma_tile(lid, &acc);
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let co = m_base + lid.y * 4u + i;
    if (co >= K) { break; }
    var b = 0.0;
    if (HAS_BIAS) { b = bias[co]; }
    for (var j = 0u; j < 4u; j++) {
      let p = p_base + lid.x * 4u + j;
      if (p < batch_x() * HO * WO) { y[((p / (HO * WO)) * K + co) * HO * WO + p % (HO * WO)] = acc[i][j] + b; }
    }
  }
}

// dy[n, co, oy, ox] reaching input pixel p = (n, iy, ix) through tap t = (co, ky, kx); 0 if none.
fn dy_tap(p: u32, t: u32) -> f32 {
  let n = p / (H * W);
  let ty = i32((p / W) % H + P) - i32((t / S) % R);
  let tx = i32(p % W + P) - i32(t % S);
  let co = t / (R * S);
  let oy = u32(max(ty, 0)) / ST;
  let ox = u32(max(tx, 0)) / ST;
  let inside = ty >= 0 && tx >= 0 && u32(ty) % ST == 0u && u32(tx) % ST == 0u && oy < HO && ox < WO && n < batch_dy() && co < K;
  let i = ((min(n, batch_dy() - 1u) * K + min(co, K - 1u)) * HO + min(oy, HO - 1u)) * WO + min(ox, WO - 1u);
  return select(0.0, dy[i], inside);
}

@compute @workgroup_size(8, 8)
fn dgrad_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let p_base = (wid.x + wid.y * nwg.x) * TN;
  let m_base = wid.z * TM;
  let krs = K * R * S;
  var acc: array<vec4f, 4>; // acc[channel][pixel]
  for (var k0 = 0u; k0 < krs; k0 += TK) {
    for (var e = li; e < TK * TM; e += 64u) {
      let k = min(k0 + e / TM, krs - 1u);
      let j = e % TM;
      // w[co, ci, ky, kx] with (co, ky, kx) = k and ci = m.
      let wi = (k / (R * S)) * C * R * S + min(m_base + j, C - 1u) * R * S + k % (R * S);
      tile_a[e / TM][j] = select(0.0, w[wi], k0 + e / TM < krs);
      tile_b[e / TM][j] = dy_tap(p_base + j, k0 + e / TM);
    }
    workgroupBarrier();
    mma_tile(lid, &acc);
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let ci = m_base + lid.y * 4u + i;
    if (ci >= C) { break; }
    for (var j = 0u; j < 4u; j++) {
      let p = p_base + lid.x * 4u + j;
      if (p < batch_dy() * H * W) { dx[((p / (H * W)) * C + ci) * H * W + p % (H * W)] = acc[i][j]; }
    }
  }
}

@compute @workgroup_size(8, 8)
fn wgrad_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let p_base = wid.x * TN; // taps
  let m_base = wid.y * TM; // output channels
  let crs = C * R * S;
  let plane = HO * WO;
  let q_begin = wid.z * SPLIT_ROWS * WO; // output pixels (n, oy, ox) of this split
  let q_end = min(q_begin + SPLIT_ROWS * WO, batch_x() * plane);
  var acc: array<vec4f, 4>; // acc[channel][tap]
  for (var k0 = q_begin; k0 < q_end; k0 += TK) {
    for (var e = li; e < TK * TM; e += 64u) {
      let q = k0 + e / TM;
      let qc = min(q, q_end - 1u);
      let j = e % TM;
      let dyi = ((qc / plane) * K + min(m_base + j, K - 1u)) * plane + qc % plane;
      tile_a[e / TM][j] = select(0.0, dyw[dyi], q < q_end);
      tile_b[e / TM][j] = select(0.0, x_tap(qc, p_base + j), q < q_end);
    }
    workgroupBarrier();
    mma_tile(lid, &acc);
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let co = m_base + lid.y * 4u + i;
    if (co >= K) { break; }
    for (var j = 0u; j < 4u; j++) {
      let t = p_base + lid.x * 4u + j;
      if (t < crs) { dw_parts[(wid.z * K + co) * crs + t] = acc[i][j]; }
    }
  }
}


