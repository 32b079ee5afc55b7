enable subgroups;
// conv2d input gradient at any stride: conv2d.wgsl's dgrad_adjacent (4·CV input channels × PX
// adjacent pixels of one row per lane, weights packed by pack_weights) with each cluster of 8
// lanes sharing its loads through subgroup shuffles, as conv2d_subgroup.wgsl does for the forward:
// a cluster holds A = 8 / BL pixel groups × BL channel blocks; lane s computes group p = s % A for
// block q = s / A, loads every BL-th dy value of its own group and every A-th weight vec4 of its
// own block, and shuffles in the rest. At stride 2 dgrad_adjacent does fewer multiply-adds per
// load than the forward (1.5 taps per pixel), so the weight gathers weigh even more there.
// Needs subgroups of a multiple of 8 consecutive invocations (true on lavapipe); the tuner's
// correctness check keeps it away from a device where they are not.
#include <conv_shape>
override CV: u32 = 2u;
override PX: u32 = 8u; // a multiple of ST
// Channel blocks per cluster: 1, 2 or 4 (src/ops/conv.ts clusterBlocks).
override BL: u32 = 4u;

override WG: u32 = 64u; // lanes per workgroup, fewer where a small batch would leave threads idle (clusterWorkgroup in src/ops/conv.ts)
const LANES = 8u;
const MAX_ACC = 32u; // PX · CV: CV = 2 with PX = 8 or 16, CV = 4 with PX = 8 (checked by test/conv-variants.test.ts)
const SPAN = 24u; // NT, checked by src/ops/conv.ts
const WS = 16u; // S · CV: S ≤ 8 with CV = 2, S ≤ 4 with CV = 4 (fitsRow in src/ops/conv-variants.ts)
override A: u32 = LANES / BL; // pixel groups per cluster
// Tap kx reaches pixel ix0 + j from dy column ix0 / ST − S + e / ST, e = j + P + ST·S − kx, when
// ST divides e; a group's NT dy columns start at e / ST = E_LO.
override E_LO: u32 = (P + ST * S - (S - 1u)) / ST;
override NT: u32 = (PX - 1u + P + ST * S) / ST + 1u - E_LO;

#include <packed_kernel>
#include <adjacent_output>

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<uniform> wp: array<vec4f, UNIFORM_VEC4S>; // the dispatch's blocks
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> dispatch: Dispatch;

// The batch, from dy's length (bindings are the tensors' exact ranges): see conv_shape.wgsl.
fn batch_dy() -> u32 { return arrayLength(&dy) / (K * HO * WO); }

fn flat(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// workgroup_id.z = (channel blocks / BL) · ST + the row residue iy mod ST its rows share.
@compute @workgroup_size(WG)
fn dgrad_adjacent_subgroup(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) sid: u32) {
  let lane = flat(gid, nwg);
  let s = lane % LANES;
  let first = sid - sid % LANES; // the cluster's first lane within the subgroup
  let p = s % A;
  let q = s / A;
  let blocks = (W + PX - 1u) / PX;
  let ry = wid.z % ST;
  let rows = (H + ST - 1u - ry) / ST;
  let groups = batch_dy() * rows * blocks;
  let g = (lane / LANES) * A + p;
  // Lanes past the end compute the last group again and store nothing: every lane must reach
  // every shuffle.
  let live = g < groups;
  let pg = min(g, groups - 1u);
  let ix0 = (pg % blocks) * PX;
  let iy = ry + ST * ((pg / blocks) % rows);
  let n = pg / blocks / rows;
  let qb = (wid.z / ST) * BL + q; // channel block within this dispatch's binding
  let col0 = i32(ix0 / ST) - i32(S) + i32(E_LO);
  var acc: array<vec4f, MAX_ACC>; // acc[pixel · CV + channel vec4]
  for (var co = 0u; co < K; co++) {
    for (var ky = 0u; ky < R; ky++) {
      // Kernel rows of the other residues never reach this workgroup's rows (a uniform test);
      // rows above or below dy read as zeros, since a lane may not skip a shuffle.
      if ((ry + P + ST * R - ky) % ST != 0u) { continue; }
      let ty = i32(iy + P) - i32(ky);
      let row_in = ty >= 0 && u32(ty) / ST < HO;
      let grow = ((n * K + co) * HO + min(u32(max(ty, 0)) / ST, HO - 1u)) * WO;
      var dl: array<f32, SPAN>; // mine: columns t = q + BL·j of my group
      for (var j = 0u; j < (NT + BL - 1u) / BL; j++) {
        let ox = col0 + i32(q + BL * j);
        dl[j] = select(0.0, dy[grow + u32(clamp(ox, 0, i32(WO) - 1))], row_in && ox >= 0 && ox < i32(WO));
      }
      var wl: array<vec4f, WS>; // mine: tap vec4s i = p + A·j of my block
      let tap0 = qb * BLOCK4 + (co * R + ky) * S * CV;
      for (var j = 0u; j < (S * CV + A - 1u) / A; j++) { wl[j] = wp[tap0 + min(p + A * j, S * CV - 1u)]; }
      var ds: array<f32, SPAN>;
      for (var t = 0u; t < NT; t++) { ds[t] = subgroupShuffle(dl[t / BL], first + p + A * (t % BL)); }
      var ws: array<vec4f, WS>; // ws[kx · CV + v]
      for (var i = 0u; i < S * CV; i++) { ws[i] = subgroupShuffle(wl[i / A], first + i % A + A * q); }
      // One accumulator's taps in a row: it is loaded and stored once per kernel row, not per tap.
      for (var v = 0u; v < CV; v++) {
        for (var j = 0u; j < PX; j++) {
          for (var kx = 0u; kx < S; kx++) {
            let e = j + P + ST * S - kx;
            if (e % ST == 0u) { acc[j * CV + v] += ws[kx * CV + v] * ds[e / ST - E_LO]; }
          }
        }
      }
    }
  }
  store_dx_block(live, dispatch.block0 + qb, n, iy, ix0, acc);
}
