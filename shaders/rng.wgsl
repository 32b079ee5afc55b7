// Counter-based random numbers (no state): the value for (seed, stream, index) is a hash, so any
// kernel can draw the i-th number of a stream in parallel, and src/rng.ts reproduces it on the CPU.
// Included by other shaders with `#include <rng>`.

// PCG-style 32-bit hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020).
fn pcg_hash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn rand_u32(seed: u32, stream: u32, index: u32) -> u32 {
  return pcg_hash(seed ^ pcg_hash(stream ^ pcg_hash(index)));
}

// Uniform in [0, 1) with 24 random bits.
fn rand_uniform(seed: u32, stream: u32, index: u32) -> f32 {
  return f32(rand_u32(seed, stream, index) >> 8u) * (1.0 / 16777216.0);
}
