enable subgroups;
// conv2d weight gradient: conv2d.wgsl's wgrad_rows (one input channel per lane, 4·CV output
// channels (workgroup_id.y) × all R·S taps, over SPLIT_ROWS output rows (workgroup_id.z)) with
// the dy values, the same for every lane of a workgroup, loaded once per cluster of 8 lanes and
// shuffled to the rest. wgrad_rows loads all 16·CV dy values of a 4-pixel chunk in every lane,
// each a loop over the lanes on lavapipe; here a lane loads Q·CV / 2 of a chunk of Q pixels. CV = 4
// (16 channels) loads each input value for twice the multiply-adds of CV = 2. Any 8 lanes of a
// subgroup form a cluster (they all need the same values), so this needs only subgroups of a
// multiple of 8 lanes. Consecutive chunks of a row share S − ST input columns per kernel row, which
// each chunk hands on to the next instead of loading them again (1.0–1.2× on ResNet-32's and the
// Fashion-MNIST CNN's layers).
#include <conv_shape>
override PX: u32 = 8u; // unused: src/ops/conv.ts passes every conv kernel its geometry
override SPLIT_ROWS: u32 = 1u; // output rows (n, oy) summed by one split
override CV: u32 = 1u; // 1, 2 or 4
// Pixels per chunk of dy: 4, or 2 with CV = 4, where a chunk of 4 pixels is more multiply-adds than
// Mesa unrolls the kernel-row loop for: its accumulators, indexed at run time, ran 9x slower.
override Q: u32 = select(4u, 2u, CV == 4u);

const LANES = 8u;
const MAX_TAPS = 9u; // R·S at most
const MAX_CV = 4u;
const SPAN = 24u; // (Q − 1)·ST + S ≤ 3·ST + S, checked by src/ops/conv.ts

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dyw: array<f32>; // the output gradient
@group(0) @binding(2) var<storage, read_write> dw_parts: array<f32>; // [splits, K, C, R, S]

// The batch, from the input's length (bindings are the tensors' exact ranges): see conv_shape.wgsl.
fn batch_x() -> u32 { return arrayLength(&x) / (C * H * W); }

#include <dw_parts>
#include <wgrad_lanes>
#include <wgrad_window>

@compute @workgroup_size(16)
fn wgrad_rows_subgroup(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) sid: u32) {
  let lane = wgrad_lane(gid, wid, sid);
  let rows = split_rows(wid, batch_x() * HO);
  var acc: array<array<vec4f, MAX_TAPS>, MAX_CV>; // acc[channel vec4][ky · S + kx][channel]
  for (var row = rows.x; row < rows.y; row++) {
    let n = row / HO;
    let oy = row % HO;
    let grow = n * K * HO * WO + oy * WO;
    // Each chunk hands its window's last OVERLAP values per kernel row on to the next
    // (wgrad_window.wgsl), so a lane loads Q·ST new values a row instead of the span.
    var carry: array<array<f32, MAX_OVERLAP>, MAX_TAPS>;
    first_carry(&carry, n, lane.ci, oy);
    for (var ox0 = 0u; ox0 < WO; ox0 += Q) {
      // Mine: values e = s + 8·m of the chunk, e = pixel · 4·CV + channel (channels past K
      // clamped to K − 1, pixels past the row read as zeros).
      var mine: array<f32, 4>;
      for (var m = 0u; m < Q * CV / 2u; m++) {
        let e = lane.s + LANES * m;
        let ox = ox0 + e / (4u * CV);
        let co = min(lane.co0 + e % (4u * CV), K - 1u);
        mine[m] = select(0.0, dyw[grow + co * HO * WO + min(ox, WO - 1u)], ox < WO);
      }
      var g: array<array<vec4f, 4>, MAX_CV>; // g[channel vec4][pixel]
      for (var j = 0u; j < Q; j++) {
        for (var v = 0u; v < CV; v++) {
          for (var i = 0u; i < 4u; i++) {
            let e = j * 4u * CV + 4u * v + i;
            g[v][j][i] = subgroupShuffle(mine[e / LANES], lane.first + e % LANES);
          }
        }
      }
      let ix0 = i32(ox0 * ST) - i32(P);
      for (var ky = 0u; ky < R; ky++) {
        let iy = i32(oy * ST + ky) - i32(P);
        if (iy < 0 || iy >= i32(H)) { continue; }
        let xrow = ((n * C + lane.ci) * H + u32(iy)) * W;
        var xs: array<f32, SPAN>;
        for (var t = 0u; t < OVERLAP; t++) { xs[t] = carry[ky][t]; }
        for (var t = OVERLAP; t < (Q - 1u) * ST + S; t++) { xs[t] = xat(xrow, ix0 + i32(t)); }
        for (var t = 0u; t < OVERLAP; t++) { carry[ky][t] = xs[Q * ST + t]; }
        for (var j = 0u; j < Q; j++) {
          for (var v = 0u; v < CV; v++) {
            for (var kx = 0u; kx < S; kx++) { acc[v][ky * S + kx] += g[v][j] * xs[j * ST + kx]; }
          }
        }
      }
    }
  }
  if (lane.live) {
    for (var v = 0u; v < CV; v++) { store_dw_part(wid.z, lane.co0 + 4u * v, lane.ci * R * S, R * S, acc[v]); }
  }
}
