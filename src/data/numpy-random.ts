// numpy's legacy global RNG, as far as LDAM-DRW's IMBALANCECIFAR10/100 uses it: `np.random.seed(s)`
// with an integer (MT19937's init_genrand, numpy's `_legacy_seeding`) and `np.random.shuffle` of a
// 1-D array (Fisher–Yates from the end, each index drawn by `random_interval`: mask to the
// smallest 2^k − 1 ≥ max, redraw while above max). Bit-exact, so our CIFAR-LT keeps the same
// positions as the literature's; test/fixtures/numpy-subsets.json pins it against numpy itself.

const N = 624;
const M = 397;

export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;

  /** `np.random.seed(seed)` for an integer seed in [0, 2³²). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`numpy seed ${seed}: expected an integer in [0, 2³²)`);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 · prev + i in 32-bit arithmetic.
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = (mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    this.index = 0;
  }

  /** The next 32-bit output (tempered), as `mt19937_genrand`. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in [0, max], as numpy's `random_interval` (max < 2³², all a shuffle of an array needs). */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    for (let s = 1; s < 32; s *= 2) mask |= mask >>> s;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** `np.random.shuffle(values)` in place, for a 1-D array. */
  shuffle(values: { length: number; [i: number]: number }): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const t = values[i];
      values[i] = values[j];
      values[j] = t;
    }
  }
}
