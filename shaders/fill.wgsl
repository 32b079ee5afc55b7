// Writes one 32-bit pattern into every word of a buffer: zeros, a constant, or NaN poison in tests.
struct Params { bits: u32, n: u32 }
@group(0) @binding(0) var<storage, read_write> words: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i < params.n) { words[i] = params.bits; }
}
