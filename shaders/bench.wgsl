// Ceiling kernels for the benchmark suite: the fastest plain copy (memory bandwidth) and the
// smallest possible dispatch (per-dispatch cost).
override WG: u32 = 256;
// vec4s copied per invocation, strided by the grid so neighbouring invocations read neighbours.
override PER_THREAD: u32 = 1;

@group(0) @binding(0) var<storage, read> src: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4f>;

@compute @workgroup_size(WG)
fn copy(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let threads = nwg.x * nwg.y * WG;
  let first = gid.x + gid.y * nwg.x * WG;
  let n = arrayLength(&dst);
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = first + k * threads;
    if (i < n) { dst[i] = src[i]; }
  }
}

@group(0) @binding(0) var<storage, read_write> word: array<u32>;

@compute @workgroup_size(1)
fn tiny() {
  word[0] = word[0] + 1u;
}
