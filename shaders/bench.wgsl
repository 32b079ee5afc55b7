// Ceiling kernels for the benchmark suite: the fastest plain copy (memory bandwidth), multiply-adds
// on registers alone (arithmetic), and the smallest possible dispatch (per-dispatch cost).
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

// ACC independent accumulators per invocation, each taking UNROLL multiply-adds per loop
// iteration, ITERS iterations, no memory traffic but one store. UNROLL matters on llvmpipe: it
// blends every value a loop carries with the loop's lane mask once per iteration, so with
// UNROLL = 1 a third of the loop's vector instructions are blends (bench/ceilings.ts times both).
override ACC: u32 = 16u;
override UNROLL: u32 = 8u;
override ITERS: u32 = 64u;
const MAX_ACC = 32u;

@group(0) @binding(0) var<storage, read_write> sink: array<f32>;

@compute @workgroup_size(WG)
fn multiply_add(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let lane = gid.x + gid.y * nwg.x * WG;
  // Operands from the lane index, so nothing folds at compile time; |b| < 1 keeps the chains finite.
  let a = f32(lane % 1024u) * 1e-6;
  let b = 0.5 + a;
  var acc: array<f32, MAX_ACC>;
  for (var i = 0u; i < ACC; i++) { acc[i] = f32(i); }
  for (var it = 0u; it < ITERS; it++) {
    for (var i = 0u; i < ACC; i++) {
      var t = acc[i];
      for (var u = 0u; u < UNROLL; u++) { t = t * b + a; }
      acc[i] = t;
    }
  }
  var s = 0.0;
  for (var i = 0u; i < ACC; i++) { s += acc[i]; }
  sink[lane] = s;
}
