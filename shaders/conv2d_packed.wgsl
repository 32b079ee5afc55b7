// conv2d forward on a packed copy of the kernel, and the stride-1 input gradient as the same
// forward convolution of dy with the flipped, transposed kernel.
//
// Why packed: lavapipe turns every storage-buffer load into a loop over the invocations with a
// bounds test each, even where the address is the same across the workgroup, so one weight load
// costs several multiply-adds. The kernel packed per block of 4·CV output channels as
// [C][R][S][CV] vec4s (packed_kernel.wgsl) brings four output channels per vec4, from a uniform
// binding. pack_weights also packs shaders/conv2d.wgsl's dgrad_adjacent kernel.
// C: channels summed over (dgrad: the forward's output channels); K: channels produced.
#include <conv_shape>
override HAS_BIAS: bool = false;
// pack_weights: TRANSPOSE, w is an input gradient's forward kernel [C][K][R][S]; FLIP, its taps
// are reversed in both axes (the packed input gradient).
override TRANSPOSE: bool = false;
override FLIP: bool = false;
// Output-channel vec4s and pixels of one row per invocation (PX · CV ≤ MAX_ACC).
override CV: u32 = 2u;
override PX: u32 = 8u;

const WG = 64u;
const MAX_ACC = 32u; // PX · CV: CV = 2 with PX = 8 or 16 (checked by test/conv-variants.test.ts)
const SPAN = 40u; // (PX − 1) · ST + S, checked by src/ops/conv.ts
const WS = 16u; // S · CV: S ≤ 8 with CV = 2, S ≤ 4 with CV = 4 (fitsRow in src/ops/conv-variants.ts)

#include <packed_kernel>
#include <packed_output>

@group(0) @binding(0) var<storage, read> w: array<f32>; // pack_weights
@group(0) @binding(1) var<storage, read_write> packed: array<f32>; // pack_weights: [blocks][BLOCK4 vec4s]
@group(0) @binding(0) var<storage, read> x: array<f32>; // conv_packed (dgrad: dy)
@group(0) @binding(1) var<uniform> wp: array<vec4f, UNIFORM_VEC4S>; // conv_packed: its blocks of the packed kernel
@group(0) @binding(2) var<storage, read> bias: array<f32>; // conv_packed
@group(0) @binding(3) var<storage, read_write> y: array<f32>; // conv_packed (dgrad: dx)
@group(0) @binding(4) var<uniform> dispatch: Dispatch; // conv_packed

// The batch, from the input's length (bindings are the tensors' exact ranges): see conv_shape.wgsl.
fn batch_x() -> u32 { return arrayLength(&x) / (C * H * W); }

fn flat(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// packed[q·4·BLOCK4 + ((c·R + ky)·S + kx)·4·CV + j] = w[k, c, ky, kx] with k = 4·CV·q + j
// (TRANSPOSE: w[c, k, ky, kx]; FLIP: taps R−1−ky, S−1−kx); 0 past K and after each block.
@compute @workgroup_size(WG)
fn pack_weights(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = flat(gid, nwg);
  let blocks = (K + 4u * CV - 1u) / (4u * CV);
  if (e >= blocks * 4u * BLOCK4) { return; }
  let q = e / (4u * BLOCK4);
  let j = e % (4u * CV);
  let t = (e % (4u * BLOCK4)) / (4u * CV);
  let kx = t % S;
  let ky = (t / S) % R;
  let c = t / (R * S);
  let k = 4u * CV * q + j;
  var v = 0.0;
  if (k < K && c < C) {
    let ty = select(ky, R - 1u - ky, FLIP);
    let tx = select(kx, S - 1u - kx, FLIP);
    v = w[select((k * C + c) * R + ty, (c * K + k) * R + ty, TRANSPOSE) * S + tx];
  }
  packed[e] = v;
}

// Two entry points, one kernel: the label names the pass in dispatch counts and profiles.
@compute @workgroup_size(WG)
fn fwd_packed(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u) {
  conv_packed(gid, nwg, wid);
}

@compute @workgroup_size(WG)
fn dgrad_packed(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u) {
  conv_packed(gid, nwg, wid);
}

// 4·CV output channels (block dispatch.block0 + workgroup_id.z) × PX pixels of one output row per
// invocation. Rows above or below the image read as zeros instead of being skipped: a skip is a
// branch that differs across the workgroup, which lavapipe runs as masked code for the whole loop.
fn conv_packed(gid: vec3u, nwg: vec3u, wid: vec3u) {
  let blocks = (WO + PX - 1u) / PX;
  // Lanes past the end compute the last block again and store nothing: no early return, so no
  // execution mask around the loads.
  let live = flat(gid, nwg) < batch_x() * HO * blocks;
  let pb = min(flat(gid, nwg), batch_x() * HO * blocks - 1u);
  let ox0 = (pb % blocks) * PX;
  let oy = (pb / blocks) % HO;
  let n = pb / blocks / HO;
  let ix0 = i32(ox0 * ST) - i32(P);
  var acc: array<vec4f, MAX_ACC>; // acc[pixel · CV + channel vec4]
  for (var ci = 0u; ci < C; ci++) {
    for (var ky = 0u; ky < R; ky++) {
      // This row's loads first, then its multiply-adds: each load is a loop with branches on
      // lavapipe, and multiply-adds between such blocks schedule badly (1.3–1.5× slower).
      let iy = i32(oy * ST + ky) - i32(P);
      let row_in = iy >= 0 && iy < i32(H);
      let xrow = ((n * C + ci) * H + u32(clamp(iy, 0, i32(H) - 1))) * W;
      var xs: array<f32, SPAN>;
      for (var t = 0u; t < (PX - 1u) * ST + S; t++) {
        let ix = ix0 + i32(t);
        xs[t] = select(0.0, x[xrow + u32(clamp(ix, 0, i32(W) - 1))], row_in && ix >= 0 && ix < i32(W));
      }
      var ws: array<vec4f, WS>; // ws[kx · CV + v]
      let tap0 = wid.z * BLOCK4 + (ci * R + ky) * S * CV;
      for (var kx = 0u; kx < S; kx++) {
        for (var v = 0u; v < CV; v++) { ws[kx * CV + v] = wp[tap0 + kx * CV + v]; }
      }
      for (var kx = 0u; kx < S; kx++) {
        for (var v = 0u; v < CV; v++) {
          for (var j = 0u; j < PX; j++) { acc[j * CV + v] += ws[kx * CV + v] * xs[j * ST + kx]; }
        }
      }
    }
  }
  store_block(live, dispatch.block0 + wid.z, n, oy, ox0, acc);
}
