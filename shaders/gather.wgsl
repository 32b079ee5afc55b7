// Row gather on raw 32-bit words (f32 images or u32 labels alike):
// out[r, j] = src[positions[offset + r], j] for rows of ROW words, as many rows as out holds.
override ROW: u32 = 1u;
override WG: u32 = 256;

struct Params { offset: u32 }
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read> positions: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= arrayLength(&out)) { return; }
  let r = i / ROW;
  out[i] = src[positions[params.offset + r] * ROW + (i - r * ROW)];
}
