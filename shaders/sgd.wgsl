// One fused SGD update per parameter, torch.optim.SGD's arithmetic (dampening 0):
//   d = g + wd·p;  buf = d on the first step, else momentum·buf + d;
//   d = d + momentum·buf (nesterov) or buf;  p -= lr·d.
// Per-step values (lr, the first-step flag) live in the uniform, so no pipeline is rebuilt.
const WG = 256u;

struct Params { lr: f32, momentum: f32, weight_decay: f32, nesterov: u32, first: u32 }

@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;

fn index(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// With momentum: buf is the parameter's momentum buffer, updated in place.
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<uniform> mo: Params;

@compute @workgroup_size(WG)
fn momentum_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i >= arrayLength(&p)) { return; }
  let d = g[i] + mo.weight_decay * p[i];
  let b = select(mo.momentum * buf[i] + d, d, mo.first != 0u);
  buf[i] = b;
  let step = select(b, d + mo.momentum * b, mo.nesterov != 0u);
  p[i] -= mo.lr * step;
}

// Without momentum (PyTorch keeps no buffer then): p -= lr·(g + wd·p).
@group(0) @binding(2) var<uniform> plain: Params;

@compute @workgroup_size(WG)
fn plain_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i >= arrayLength(&p)) { return; }
  p[i] -= plain.lr * (g[i] + plain.weight_decay * p[i]);
}
