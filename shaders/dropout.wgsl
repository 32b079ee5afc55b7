// Inverted dropout: out = x / (1 − p) where the value is kept, else 0. The keep mask is a
// counter-based draw, so the backward pass (the same kernel applied to ∂y) recomputes the very
// same mask instead of storing it. Draw index: base + i, where base = step · size (mod 2³²).
#include <rng>
override STREAM: u32;
const WG: u32 = 256u;

struct Params { seed: u32, base: u32, p: f32, scale: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // Grid stride: the dispatch size is free (src/gpu/grid-stride.ts).
  for (var i = gid.x + gid.y * nwg.x * WG; i < arrayLength(&y); i += nwg.x * nwg.y * WG) {
    let keep = rand_uniform(params.seed, STREAM, params.base + i) >= params.p;
    y[i] = select(0.0, x[i] * params.scale, keep);
  }
}
