// `aegl-gpu run` and `ablate` continue where they stopped when run again, like `train --resume`.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAblation } from '../src/train/commands/ablate.js';
import { runPipeline } from '../src/train/commands/run.js';
import { useEngine } from './helpers/gpu.js';
import { writeTinyFashion } from './helpers/tiny-dataset.js';

useEngine();
const data = writeTinyFashion();
const runs = mkdtempSync(join(tmpdir(), 'aegl-pipeline-'));
const flags = { dataset: 'fmnist' as const, dataDir: data, imbalance: 0.25, batchSize: 16, seed: 2, valPerClass: 2 };
const quiet = { log: () => {} };

describe('multi-run commands resume', () => {
  it('run: stopped in the fine-tune, the same command finishes it without training stage 1 again', async () => {
    const out = join(runs, 'run');
    const stop = new AbortController();
    const o = { out, ...quiet, signal: stop.signal };
    const cut = await runPipeline({ ...flags, stage1Epochs: '1', aeglEpochs: '2' }, { ...o, onStep: (epoch) => epoch === 1 && existsSync(join(out, 'aegl')) && stop.abort() });
    expect(cut).toBe(130);
    const stage1 = readFileSync(join(out, 'stage1', 'metrics.jsonl'), 'utf8');
    expect(existsSync(join(out, 'aegl', 'result.json'))).toBe(false);
    expect(await runPipeline({ ...flags, stage1Epochs: '1', aeglEpochs: '2' }, { out, ...quiet })).toBe(0);
    expect(readFileSync(join(out, 'aegl', 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('(stage 1, val-selected epoch 1)');
    // Stage 1 was only reopened, never retrained: the same epoch record, wall time included.
    expect(readFileSync(join(out, 'stage1', 'metrics.jsonl'), 'utf8')).toBe(stage1);
    await expect(runPipeline({ ...flags, stage1Epochs: '3' }, { out, ...quiet })).rejects.toThrow(/--epochs 3 conflicts with the run's 1/);
  });

  it('ablate: a second call with more k values runs only the new ones', async () => {
    const out = join(runs, 'ablate');
    const init = join(runs, 'run', 'stage1', 'best.safetensors');
    expect(await runAblation({ ...flags, init, epochs: 1, stepsList: '1' }, { out, ...quiet })).toBe(0);
    // Its epoch records hold wall times: a retrained k = 1 would not give the same bytes.
    const k1 = readFileSync(join(out, 'k1', 'metrics.jsonl'), 'utf8');
    expect(await runAblation({ ...flags, init, epochs: 1, stepsList: '1,2' }, { out, ...quiet })).toBe(0);
    expect(readFileSync(join(out, 'k1', 'metrics.jsonl'), 'utf8')).toBe(k1);
    expect(readFileSync(join(out, 'ablation.md'), 'utf8')).toMatch(/\| 2 \| 1 \(val-selected\) \|/);
  });
});
