// Test-only kernel: out[i] = rand_u32(seed, stream, i), to check the CPU twin in src/rng.ts.
#include <rng>
struct Params { seed: u32, stream: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i < arrayLength(&out)) { out[i] = rand_u32(params.seed, params.stream, i); }
}
