// Classification metrics, one row per invocation, no gradient: argmax, and per-class correct /
// total counts accumulated on the GPU with atomics so an epoch's accuracy is read back once.
override C: u32;
const WG = 64u;

@group(0) @binding(0) var<storage, read> x: array<f32>;

fn row_index(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// First index of the row's maximum, like torch.argmax on ties.
fn row_argmax(i: u32) -> u32 {
  let base = i * C;
  var best = x[base];
  var arg = 0u;
  for (var c = 1u; c < C; c++) {
    let v = x[base + c];
    if (v > best) { best = v; arg = c; }
  }
  return arg;
}

// indices[offset + i] = argmax of row i, for the `rows` rows of x: a split's predictions are
// gathered batch by batch into one buffer and read back once.
struct Placement { offset: u32, rows: u32 }
@group(0) @binding(1) var<storage, read_write> indices: array<u32>;
@group(0) @binding(2) var<uniform> place: Placement;

@compute @workgroup_size(WG)
fn argmax(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = row_index(gid, nwg);
  if (i < place.rows) { indices[place.offset + i] = row_argmax(i); }
}

// counts[2y] += (argmax == y), counts[2y + 1] += 1 for each row with true class y.
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;

@compute @workgroup_size(WG)
fn class_counts(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = row_index(gid, nwg);
  if (i >= arrayLength(&labels)) { return; }
  let y = labels[i];
  if (row_argmax(i) == y) { atomicAdd(&counts[2u * y], 1u); }
  atomicAdd(&counts[2u * y + 1u], 1u);
}
