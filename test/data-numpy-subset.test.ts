// `--subset-rng numpy` keeps the images kaidic/LDAM-DRW's IMBALANCECIFAR10/100 keeps: compared with
// numpy itself through test/fixtures/numpy-subsets.json (tools/numpy-subset-fixture.py made it).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { longTailSubset } from '../src/data/long-tail.js';
import { NumpyRandomState } from '../src/data/numpy-random.js';

interface Case {
  layout: string;
  records: number;
  imbalance: number;
  seed: number;
  counts: number[];
  first20: number[][];
  sha256: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/numpy-subsets.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** The label layouts the generator names (see its docstring). */
function labelsOf(layout: string, n: number): Uint8Array {
  const roundRobin = /^round-robin-(\d+)$/.exec(layout);
  if (roundRobin) return Uint8Array.from({ length: n }, (_, i) => i % Number(roundRobin[1]));
  if (layout === 'mixed-10') return Uint8Array.from({ length: n }, (_, i) => (7 * i + Math.floor(i / 13)) % 10);
  throw new Error(`unknown layout ${layout}`);
}

describe('numpy legacy RNG', () => {
  it('np.random.seed(0): the MT19937 stream numpy draws from', () => {
    // numpy.random.RandomState(0).randint(0, 2**32, size=3, dtype=np.uint32) gives these three.
    const r = new NumpyRandomState(0);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([2357136044, 2546248239, 3071714933]);
  });

  it('random_interval stays within [0, max]', () => {
    const r = new NumpyRandomState(5);
    for (const max of [1, 2, 3, 7, 8, 1000, 4999]) for (let k = 0; k < 200; k++) expect(r.randomInterval(max)).toBeLessThanOrEqual(max);
    expect(r.randomInterval(0)).toBe(0);
  });
});

describe('--subset-rng numpy against numpy', () => {
  for (const c of fixture.cases) {
    it(`${c.layout}, ${c.records} records, ρ = ${c.imbalance}, seed ${c.seed}: counts, first 20 per class, hash of all`, () => {
      const labels = labelsOf(c.layout, c.records);
      const classes = c.counts.length;
      const s = longTailSubset(labels, classes, c.imbalance, 'exp', c.seed, 'numpy');
      expect(s.counts).toEqual(c.counts);
      let at = 0;
      s.counts.forEach((n, k) => {
        expect(Array.from(s.indices.subarray(at, at + Math.min(20, n))), `class ${k}`).toEqual(c.first20[k]);
        at += n;
      });
      expect(createHash('sha256').update(Array.from(s.indices).join(',')).digest('hex')).toBe(c.sha256);
    });
  }
});
