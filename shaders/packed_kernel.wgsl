// A conv kernel packed per block of 4·CV produced channels by conv2d_packed.pack_weights, read
// through a uniform binding: llvmpipe loads a storage buffer as a loop over the invocations with a
// bounds test each, a uniform buffer as straight-line code. Reading the same blocks from a uniform
// binding instead of storage, A/B on lavapipe: fwd_packed 1.25–2× faster, dgrad_adjacent 1.8–2.7×
// (on OpenGL ES: fwd_packed the same, dgrad_adjacent 1.9×).
const UNIFORM_VEC4S = 4096u; // 64 KiB, WebGPU's default maxUniformBufferBindingSize
// vec4s from one block to the next: C·R·S·CV rounded up to 16 (256 bytes, the largest uniform
// offset alignment WebGPU allows), so a dispatch can bind from any block on.
override BLOCK4: u32 = 1u;
// A dispatch computes blocks block0 + workgroup_id.z (dgrad_adjacent: + workgroup_id.z / ST).
struct Dispatch { block0: u32 }
