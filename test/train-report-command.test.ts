// `aegl-gpu report`: a run's report.md rebuilt from its files alone, and several runs compared
// side by side (overall, head/tail, per class, one plot); runs that cannot be compared refused.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportRuns, shortLabels } from '../src/train/commands/report.js';
import { train } from '../src/train/commands/train.js';
import { useEngine } from './helpers/gpu.js';
import { writeTinyFashion } from './helpers/tiny-dataset.js';

useEngine();
const data = writeTinyFashion();
const root = mkdtempSync(join(tmpdir(), 'aegl-report-'));
const flags = { dataset: 'fmnist' as const, dataDir: data, imbalance: 0.25, epochs: 2, batchSize: 16, lr: 0.05 };
const quiet = { log: () => {} };

describe('aegl-gpu report', () => {
  it('rebuilds a run\'s report.md as training wrote it, and compares runs side by side', async () => {
    const a = await train({ ...flags, seed: 0 }, { out: join(root, 'runs', 'ce-s0'), ...quiet });
    const b = await train({ ...flags, seed: 1, method: 'drw', valPerClass: 2 }, { out: join(root, 'runs', 'drw-s1'), ...quiet });
    const original = readFileSync(join(a.dir, 'report.md'), 'utf8');
    rmSync(join(a.dir, 'report.md'));
    rmSync(join(a.dir, 'per-class-accuracy.svg'));
    reportRuns([a.dir], quiet);
    expect(readFileSync(join(a.dir, 'report.md'), 'utf8')).toBe(original);
    expect(existsSync(join(a.dir, 'per-class-accuracy.svg'))).toBe(true);

    const out = join(root, 'compare', 'two.md');
    reportRuns([a.dir, b.dir], { out, ...quiet });
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(new RegExp(`\\| ce-s0 \\| ce \\| test-selected \\| ${a.best.epoch} \\| ${a.best.top1.toFixed(2)} \\|`));
    expect(md).toMatch(new RegExp(`\\| drw-s1 \\| drw \\| val-selected \\| ${b.best.epoch} \\| ${b.best.top1.toFixed(2)} \\|`));
    expect(md).toContain('| class | train images | ce-s0 | drw-s1 |');
    // Per class, head → tail: T-shirt/top is the head class; the validation split took two of b's.
    expect(b.trainCounts[0]).toBe(a.trainCounts[0] - 2);
    expect(md).toMatch(new RegExp(`\\| T-shirt/top \\| ${a.trainCounts[0]} / ${b.trainCounts[0]} \\| ${a.best.perClass[0]!.toFixed(2)} \\| ${b.best.perClass[0]!.toFixed(2)} \\|`));
    expect(md).toContain('![per-class accuracy](two.svg)');
    expect(readFileSync(join(root, 'compare', 'two.svg'), 'utf8')).toMatch(/^<svg[\s\S]*ce-s0 \(test-selected, epoch \d+\)[\s\S]*<\/svg>$/);
  });

  it('labels runs by their paths below the deepest common folder, the root at the least', () => {
    expect(shortLabels(['/r/grid/s0/ce', '/r/grid/s1/ce'])).toEqual(['s0/ce', 's1/ce']);
    expect(shortLabels(['/r/a', '/r/ab'])).toEqual(['a', 'ab']);
    expect(shortLabels(['/tmp/x/run', '/work/run'])).toEqual(['tmp/x/run', 'work/run']);
  });

  it('refuses a folder that is not a run, and a run with no finished epoch', () => {
    expect(() => reportRuns([root], quiet)).toThrow(/no config.json there/);
    const started = join(root, 'started');
    mkdirSync(started);
    copyFileSync(join(root, 'runs', 'ce-s0', 'config.json'), join(started, 'config.json'));
    expect(() => reportRuns([started], quiet)).toThrow(/started: no finished epoch in metrics.jsonl yet/);
  });
});
