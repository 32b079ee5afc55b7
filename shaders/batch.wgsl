// One batch from the GPU-resident u8 images: gather (epoch order or sequential), u8 → f32 in
// [0, 1], optional random crop with zero padding and horizontal flip (torchvision's
// RandomCrop(pad) then RandomHorizontalFlip), then optional per-channel normalisation.
// One thread per output value. The image store is split into shards (a binding may not exceed
// maxStorageBufferBindingSize): one dispatch per shard, each writing the examples it holds.
#include <rng>

override C: u32;
override H: u32;
override W: u32;
// Random-crop padding (0: no crop) and whether to flip, used when the batch is augmented.
override PAD: u32 = 0;
override FLIP: bool = false;
override CROP_STREAM: u32;
override FLIP_STREAM: u32;

struct Params {
  offset: u32,       // epoch position of the batch's first example
  count: u32,        // examples in this batch
  shard_first: u32,  // first image held by this dispatch's shard
  shard_count: u32,
  draw_base: u32,    // RNG index of the batch's first example: epoch · N + offset
  seed: u32,
  flags: u32,        // 1: take the epoch order (else sequential), 2: augment
  _pad: u32,
  mean: vec4f,
  inv_std: vec4f,
}

// Bytes of the shard's images, four per word, little-endian.
@group(0) @binding(0) var<storage, read> images: array<u32>;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;
@group(0) @binding(5) var<uniform> params: Params;

// floor(uniform · n) from the top 24 bits, in integers so the CPU twin matches bit for bit.
fn draw_below(stream: u32, index: u32, n: u32) -> u32 {
  return ((rand_u32(params.seed, stream, index) >> 8u) * n) >> 24u;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let per = C * H * W;
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.count * per) { return; }
  let b = i / per;
  let r = i % per;
  let pos = params.offset + b;
  var src = pos;
  if ((params.flags & 1u) != 0u) { src = order[pos]; }
  if (src < params.shard_first || src - params.shard_first >= params.shard_count) { return; }

  let c = r / (H * W);
  var sy = i32((r / W) % H);
  var sx = i32(r % W);
  if ((params.flags & 2u) != 0u) {
    let g = params.draw_base + b;
    if (FLIP && rand_uniform(params.seed, FLIP_STREAM, g) < 0.5) { sx = i32(W) - 1 - sx; }
    if (PAD > 0u) {
      sy += i32(draw_below(CROP_STREAM, 2u * g, 2u * PAD + 1u)) - i32(PAD);
      sx += i32(draw_below(CROP_STREAM, 2u * g + 1u, 2u * PAD + 1u)) - i32(PAD);
    }
  }
  var v = 0.0;  // the zero padding, normalised below like any pixel (torchvision pads the u8 image)
  if (sy >= 0 && sy < i32(H) && sx >= 0 && sx < i32(W)) {
    let byte = (src - params.shard_first) * per + (c * H + u32(sy)) * W + u32(sx);
    v = f32((images[byte >> 2u] >> ((byte & 3u) * 8u)) & 255u) * (1.0 / 255.0);
  }
  x[i] = (v - params.mean[c]) * params.inv_std[c];
  if (r == 0u) { y[b] = labels[src]; }
}
