// CPU twin of shaders/rng.wgsl (counter-based: value = hash(seed, stream, index)), used for
// host-side shuffles and by tests that replay the GPU's random draws.
function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

export function randU32(seed: number, stream: number, index: number): number {
  return pcgHash((seed ^ pcgHash((stream ^ pcgHash(index >>> 0)) >>> 0)) >>> 0);
}

/** Uniform in [0, 1) with 24 random bits, bit-identical to rand_uniform in WGSL. */
export function randUniform(seed: number, stream: number, index: number): number {
  return (randU32(seed, stream, index) >>> 8) / 16777216;
}

/** Fisher–Yates shuffle of 0..n-1 driven by (seed, stream): the same permutation everywhere. */
export function seededPermutation(n: number, seed: number, stream: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(randUniform(seed, stream, i) * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
