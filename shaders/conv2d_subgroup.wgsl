enable subgroups;
// conv2d forward on the packed kernel (as conv2d_packed.wgsl), and the stride-1 input gradient as
// the same convolution of dy with the flipped kernel, with each cluster of 8 lanes sharing its
// loads through subgroup shuffles.
//
// Why: lavapipe runs every storage load as a loop over the lanes and every uniform load with a
// lane-dependent address as a gather, while a subgroup shuffle is one vpermd. In conv2d_packed.wgsl
// all lanes of a workgroup load the same weights and each lane its own input row. Here a cluster
// holds A = 8 / BL pixel groups (PX pixels of an output row) × BL channel blocks (4·CV output
// channels): lane s computes pixel group p = s % A for channel block q = s / A, loads every BL-th
// input value of its own row and every A-th weight vec4 of its own block, and takes the rest from
// the cluster: per kernel row, BL times fewer input loads and A times fewer weight loads.
// Needs subgroups of a multiple of 8 lanes made of consecutive invocations (true on lavapipe); the
// tuner's correctness check keeps it away from a device where they are not.
// C: channels summed over (dgrad: the forward's output channels); K: channels produced.
#include <conv_shape>
override HAS_BIAS: bool = false;
override CV: u32 = 2u;
override PX: u32 = 8u;
// Channel blocks per cluster: 1, 2 or 4 (src/ops/conv.ts clusterBlocks).
override BL: u32 = 4u;

override WG: u32 = 64u; // lanes per workgroup, fewer where a small batch would leave threads idle (clusterWorkgroup in src/ops/conv.ts)
const LANES = 8u;
const MAX_ACC = 32u; // PX · CV: CV = 2 with PX = 8 or 16, CV = 4 with PX = 8 (checked by test/conv-variants.test.ts)
const SPAN = 40u; // T = (PX − 1) · ST + S input columns per pixel group, checked by src/ops/conv.ts
const WS = 16u; // S · CV: S ≤ 8 with CV = 2, S ≤ 4 with CV = 4 (fitsRow in src/ops/conv-variants.ts)
override A: u32 = LANES / BL; // pixel groups per cluster
override T: u32 = (PX - 1u) * ST + S;

#include <packed_kernel>
#include <packed_output>

@group(0) @binding(0) var<storage, read> x: array<f32>; // dgrad: dy
@group(0) @binding(0) var<storage, read> x4: array<vec4f>; // the same, for the `_vec4` entry points
@group(0) @binding(1) var<uniform> wp: array<vec4f, UNIFORM_VEC4S>; // the dispatch's blocks
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>; // dgrad: dx
@group(0) @binding(4) var<uniform> dispatch: Dispatch;

// The batch, from the input's length (bindings are the tensors' exact ranges): see conv_shape.wgsl.
fn batch_x() -> u32 { return arrayLength(&x) / (C * H * W); }
fn batch_x4() -> u32 { return arrayLength(&x4) * 4u / (C * H * W); }

fn flat(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// Two entry points, one kernel: the label names the pass in dispatch counts and profiles.
@compute @workgroup_size(WG)
fn fwd_subgroup(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) sid: u32) {
  conv_subgroup(gid, nwg, wid, sid);
}

@compute @workgroup_size(WG)
fn dgrad_subgroup(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) sid: u32) {
  conv_subgroup(gid, nwg, wid, sid);
}

// A lane's place: pixel group p of its cluster (PX pixels of output row oy of image n from ox0)
// and channel block q (qb within this dispatch's binding). Lanes past the last group compute it
// again and store nothing (live false): every lane must reach every shuffle, and no early return
// keeps the loads free of an execution mask.
struct Group { live: bool, first: u32, p: u32, q: u32, qb: u32, n: u32, oy: u32, ox0: u32 }

fn group_of(gid: vec3u, nwg: vec3u, wid: vec3u, sid: u32, batch: u32) -> Group {
  let lane = flat(gid, nwg);
  let s = lane % LANES;
  let p = s % A;
  let blocks = (WO + PX - 1u) / PX;
  let groups = batch * HO * blocks;
  let g = (lane / LANES) * A + p;
  let pg = min(g, groups - 1u);
  // first: the cluster's first lane within the subgroup.
  return Group(g < groups, sid - sid % LANES, p, s / A, wid.z * BL + s / A, pg / blocks / HO, (pg / blocks) % HO, (pg % blocks) * PX);
}

// Stride 1, padding 1, 3 columns, rows a multiple of PX = 8 wide whose pixel groups a cluster
// holds whole (src/ops/conv-variants.ts fitsVec4Groups): each pixel group's 8 input columns are two
// aligned vec4s, loaded by its lanes (one each, or both where BL = 1), and the columns either side
// come from the neighbouring groups' lanes, or are padding at a row's ends. Per kernel row a lane
// makes ⌈2 / BL⌉ vec4 loads where conv_subgroup makes ⌈10 / BL⌉ scalar ones, each a loop over the
// lanes: the kernel row's code 3,011 instructions → 2,241 at 16 channels, 1.0–1.3× in the tuner.
@compute @workgroup_size(WG)
fn fwd_subgroup_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) sid: u32) {
  conv_subgroup_vec4(gid, nwg, wid, sid);
}

@compute @workgroup_size(WG)
fn dgrad_subgroup_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) sid: u32) {
  conv_subgroup_vec4(gid, nwg, wid, sid);
}

// One kernel row: tap vec4s ws[kx · CV + v] over input columns xs[j · ST + kx] of the PX pixels.
// One accumulator's taps in a row: it is loaded and stored once per kernel row, not per tap.
fn add_row(acc: ptr<function, array<vec4f, MAX_ACC>>, ws: array<vec4f, WS>, xs: array<f32, SPAN>) {
  for (var v = 0u; v < CV; v++) {
    for (var j = 0u; j < PX; j++) {
      for (var kx = 0u; kx < S; kx++) { (*acc)[j * CV + v] += ws[kx * CV + v] * xs[j * ST + kx]; }
    }
  }
}

// The cluster's tap vec4s of kernel row (ci, ky): lane i % A + A·q's vec4 i / A of block qb.
fn row_taps(grp: Group, ci: u32, ky: u32) -> array<vec4f, WS> {
  var wl: array<vec4f, WS>; // mine: tap vec4s i = p + A·j of my block
  let tap0 = grp.qb * BLOCK4 + (ci * R + ky) * S * CV;
  for (var j = 0u; j < (S * CV + A - 1u) / A; j++) { wl[j] = wp[tap0 + min(grp.p + A * j, S * CV - 1u)]; }
  var ws: array<vec4f, WS>; // ws[kx · CV + v]
  for (var i = 0u; i < S * CV; i++) { ws[i] = subgroupShuffle(wl[i / A], grp.first + i % A + A * grp.q); }
  return ws;
}

fn conv_subgroup_vec4(gid: vec3u, nwg: vec3u, wid: vec3u, sid: u32) {
  let grp = group_of(gid, nwg, wid, sid, batch_x4());
  let first = grp.first;
  let p = grp.p;
  let q = grp.q;
  let ox0 = grp.ox0;
  // Neighbouring groups of a row are neighbouring lanes p ± 1 (a cluster holds whole rows).
  let left = first + max(p, 1u) - 1u;
  let right = first + min(p + 1u, A - 1u);
  var acc: array<vec4f, MAX_ACC>;
  for (var ci = 0u; ci < C; ci++) {
    for (var ky = 0u; ky < R; ky++) {
      let iy = i32(grp.oy + ky) - 1;
      let row_in = iy >= 0 && iy < i32(H);
      let row4 = (((grp.n * C + ci) * H + u32(clamp(iy, 0, i32(H) - 1))) * W + ox0) / 4u;
      // Mine: vec4s b = q + BL·j of my group's two (with BL = 4, lanes q = 2, 3 load vec4 1 again,
      // unused: a load in a branch would need the lane mask).
      var mine: array<vec4f, 2>;
      for (var j = 0u; j < (2u + BL - 1u) / BL; j++) {
        mine[j] = select(vec4f(0.0), x4[row4 + min(q + BL * j, 1u)], row_in);
      }
      // Vec4 b of group p is lane p + A·(b % BL)'s mine[b / BL].
      let lo = subgroupShuffle(mine[0], first + p);
      let hi = subgroupShuffle(mine[1u / BL], first + p + A * (1u % BL));
      let before = subgroupShuffle(mine[1u / BL].w, left + A * (1u % BL));
      let after = subgroupShuffle(mine[0].x, right);
      var xs: array<f32, SPAN>;
      xs[0] = select(before, 0.0, ox0 == 0u);
      for (var t = 0u; t < 4u; t++) {
        xs[1u + t] = lo[t];
        xs[5u + t] = hi[t];
      }
      xs[9] = select(after, 0.0, ox0 + PX >= W);
      add_row(&acc, row_taps(grp, ci, ky), xs);
    }
  }
  store_block(grp.live, dispatch.block0 + grp.qb, grp.n, grp.oy, ox0, acc);
}

fn conv_subgroup(gid: vec3u, nwg: vec3u, wid: vec3u, sid: u32) {
  let grp = group_of(gid, nwg, wid, sid, batch_x());
  let ix0 = i32(grp.ox0 * ST) - i32(P);
  var acc: array<vec4f, MAX_ACC>; // acc[pixel · CV + channel vec4]
  for (var ci = 0u; ci < C; ci++) {
    for (var ky = 0u; ky < R; ky++) {
      let iy = i32(grp.oy * ST + ky) - i32(P);
      let row_in = iy >= 0 && iy < i32(H);
      let xrow = ((grp.n * C + ci) * H + u32(clamp(iy, 0, i32(H) - 1))) * W;
      // Mine: input columns t = q + BL·j of my group, and tap vec4s i = p + A·j of my block.
      var xl: array<f32, SPAN>;
      for (var j = 0u; j < (T + BL - 1u) / BL; j++) {
        let ix = ix0 + i32(grp.q + BL * j);
        xl[j] = select(0.0, x[xrow + u32(clamp(ix, 0, i32(W) - 1))], row_in && ix >= 0 && ix < i32(W));
      }
      let ws = row_taps(grp, ci, ky);
      // The cluster's: column t of group p is lane p + A·(t % BL)'s value t / BL.
      var xs: array<f32, SPAN>;
      for (var t = 0u; t < T; t++) { xs[t] = subgroupShuffle(xl[t / BL], grp.first + grp.p + A * (t % BL)); }
      add_row(&acc, ws, xs);
    }
  }
  store_block(grp.live, dispatch.block0 + grp.qb, grp.n, grp.oy, grp.ox0, acc);
}
