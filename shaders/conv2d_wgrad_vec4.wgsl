enable subgroups;
// conv2d weight gradient of a 3×3, stride-1, padding-1 convolution over rows a multiple of 4 wide:
// conv2d_wgrad_subgroup.wgsl's layout (one input channel per lane, 4·CV output channels
// (workgroup_id.y) × all 9 taps, over SPLIT_ROWS output rows (workgroup_id.z)) over chunks of 4
// pixels read as vec4s. On lavapipe a storage load is a loop over the lanes whatever its width, so a
// vec4 brings four values for about the cost of two scalars: a lane loads its input row one
// aligned vec4 a chunk ahead and keeps the last value of the one before (6 values for 3 taps × 4
// pixels), and CV / 2 vec4s of dy (its channels' 4 pixels), shuffled to the cluster of 8 lanes.
// The three kernel rows are three calls with constant rows, not a loop: Mesa unrolls a loop only
// while its copies stay small, and 4 pixels × 16 channels × 9 taps is past that (a loop left rolled
// indexes the accumulators at run time, lane by lane: 12× slower as a loop over ky).
#include <conv_shape>
override PX: u32 = 8u; // unused: src/ops/conv.ts passes every conv kernel its geometry
override SPLIT_ROWS: u32 = 1u; // output rows (n, oy) summed by one split
override CV: u32 = 4u; // even: lane s loads channels s, s + 8, … (src/ops/conv-variants.ts runs 4)

const LANES = 8u;
const MAX_TAPS = 9u;
const MAX_CV = 4u;
override W4: u32 = W / 4u; // vec4s per input row (and per output row: WO = W)

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> dyw: array<vec4f>; // the output gradient
@group(0) @binding(2) var<storage, read_write> dw_parts: array<f32>; // [splits, K, C, 3, 3]

// The batch, from the input's length (bindings are the tensors' exact ranges): see conv_shape.wgsl.
fn batch_x() -> u32 { return arrayLength(&x) * 4u / (C * H * W); }

#include <dw_parts>
#include <wgrad_lanes>

alias Taps = array<array<vec4f, MAX_TAPS>, MAX_CV>; // [channel vec4][ky · 3 + kx][channel]
alias Chunk = array<array<vec4f, 4>, MAX_CV>; // dy: [channel vec4][pixel][channel]

// Kernel row ky of 4 pixels: xs holds input columns ox0 − 1 … ox0 + 4 of row oy + ky − 1.
fn add_row(acc: ptr<function, Taps>, ky: u32, g: Chunk, xs: array<f32, 6>) {
  // One accumulator's pixels in a row: LLVM keeps it in a register across them instead of
  // spilling all 12 of the row's accumulators once per pixel (1.1× on ResNet-32's layers).
  for (var v = 0u; v < CV; v++) {
    for (var kx = 0u; kx < 3u; kx++) {
      for (var j = 0u; j < 4u; j++) { (*acc)[v][ky * 3u + kx] += g[v][j] * xs[j + kx]; }
    }
  }
}

@compute @workgroup_size(16)
fn wgrad_vec4_subgroup(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) sid: u32) {
  let lane = wgrad_lane(gid, wid, sid);
  let rows = split_rows(wid, batch_x() * H);
  var acc: Taps;
  for (var row = rows.x; row < rows.y; row++) {
    let n = row / H;
    let oy = row % H;
    let dy_row = (n * K * H + oy) * W4;
    // Per kernel row: whether it lies inside the input, where its input row starts, the input
    // column before the chunk (zero padding at first) and the chunk's own 4 columns.
    var inside: array<bool, 3>;
    var base: array<u32, 3>;
    var before: array<f32, 3>;
    var cur: array<vec4f, 3>;
    for (var ky = 0u; ky < 3u; ky++) {
      let iy = i32(oy + ky) - 1;
      inside[ky] = iy >= 0 && iy < i32(H);
      base[ky] = ((n * C + lane.ci) * H + u32(clamp(iy, 0, i32(H) - 1))) * W4;
      before[ky] = 0.0;
      cur[ky] = select(vec4f(0.0), x[base[ky]], inside[ky]);
    }
    for (var b = 0u; b < W4; b++) {
      // Mine: channels s and s + 8 of the block (past K clamped to K − 1), 4 pixels each.
      var mine: array<vec4f, 2>;
      for (var m = 0u; m < CV / 2u; m++) {
        let co = min(lane.co0 + lane.s + LANES * m, K - 1u);
        mine[m] = dyw[dy_row + co * H * W4 + b];
      }
      var g: Chunk;
      for (var v = 0u; v < CV; v++) {
        for (var i = 0u; i < 4u; i++) {
          let e = 4u * v + i;
          let d = subgroupShuffle(mine[e / LANES], lane.first + e % LANES);
          g[v][0][i] = d.x;
          g[v][1][i] = d.y;
          g[v][2][i] = d.z;
          g[v][3][i] = d.w;
        }
      }
      var xs: array<array<f32, 6>, 3>;
      for (var ky = 0u; ky < 3u; ky++) {
        var next = vec4f(0.0);
        if (b + 1u < W4 && inside[ky]) { next = x[base[ky] + b + 1u]; }
        xs[ky] = array<f32, 6>(before[ky], cur[ky].x, cur[ky].y, cur[ky].z, cur[ky].w, next.x);
        before[ky] = cur[ky].w;
        cur[ky] = next;
      }
      add_row(&acc, 0u, g, xs[0]);
      add_row(&acc, 1u, g, xs[1]);
      add_row(&acc, 2u, g, xs[2]);
    }
  }
  if (lane.live) {
    for (var v = 0u; v < CV; v++) { store_dw_part(wid.z, lane.co0 + 4u * v, lane.ci * MAX_TAPS, MAX_TAPS, acc[v]); }
  }
}
