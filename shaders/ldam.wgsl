// LDAM logits (Cao et al. 2019): out = s·(x − m_y·onehot(y)), the margin of each row's true
// class subtracted from that class's logit only, then everything scaled by s. The backward is
// s·g, elementwise (ops/elementwise `scale`), so this file holds the forward alone.
override WG: u32 = 256;

struct Params { s: f32 }

@group(0) @binding(0) var<storage, read> logits: array<f32>;   // [N, C]
@group(0) @binding(1) var<storage, read> labels: array<u32>;   // [N]
@group(0) @binding(2) var<storage, read> margins: array<f32>;  // [C]
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [N, C]
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= arrayLength(&out)) { return; }
  let classes = arrayLength(&margins);
  let c = i % classes;
  let y = labels[i / classes];
  // A label outside [0, C) gets no margin; the cross-entropy that follows reports it.
  let margin = select(0.0, margins[c], c == y);
  out[i] = params.s * (logits[i] - margin);
}
