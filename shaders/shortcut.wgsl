// The option-A shortcut of the CIFAR ResNets (LDAM-DRW's ResNet-32):
// y = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, P, P)) — a stride-2 subsample plus P zero channels
// before and after. C, H, W: input; CO = C + 2P output channels; OH, OW = ceil(H/2), ceil(W/2).
// The batch is not a constant: each kernel writes all of dst (one pipeline for every batch size).
override C: u32;
override H: u32;
override W: u32;
override CO: u32;
override P: u32 = (CO - C) / 2u;
override OH: u32 = (H + 1u) / 2u;
override OW: u32 = (W + 1u) / 2u;
const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;

// Both kernels loop with a grid stride, so the dispatch size is free (src/gpu/grid-stride.ts).
fn first(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }
fn stride(nwg: vec3u) -> u32 { return nwg.x * nwg.y * WG; }

// Per output value: a subsampled input value or a padding zero.
@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  for (var o = first(gid, nwg); o < arrayLength(&dst); o += stride(nwg)) {
    let ow = o % OW;
    let oh = (o / OW) % OH;
    let co = (o / (OW * OH)) % CO;
    let n = o / (OW * OH * CO);
    var v = 0.0;
    if (co >= P && co < P + C) { v = src[((n * C + co - P) * H + 2u * oh) * W + 2u * ow]; }
    dst[o] = v;
  }
}

// Per input value: its output's gradient where it was sampled, else 0.
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  for (var i = first(gid, nwg); i < arrayLength(&dst); i += stride(nwg)) {
    let w = i % W;
    let h = (i / W) % H;
    let c = (i / (W * H)) % C;
    let n = i / (W * H * C);
    var v = 0.0;
    if (h % 2u == 0u && w % 2u == 0u) { v = src[((n * CO + c + P) * OH + h / 2u) * OW + w / 2u]; }
    dst[i] = v;
  }
}
