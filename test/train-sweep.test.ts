// `aegl-gpu sweep` end to end on a tiny dataset, as a user runs it: the CLI in a child process,
// killed with SIGKILL in the middle of the grid, then the same command again, which skips the
// finished cells, continues the killed one and writes the three summary files.
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../src/train/commands/sweep.js';
import { runCli, whenExists } from './helpers/cli.js';
import { writeTinyFashion } from './helpers/tiny-dataset.js';

const data = writeTinyFashion();
const out = join(mkdtempSync(join(tmpdir(), 'aegl-sweep-')), 'grid');
const args = ['sweep', '--dataset', 'fmnist', '--data-dir', data, '--imbalance', '0.25', '--seeds', '0,1', '--stage1-epochs', '1', '--aegl-epochs', '1', '--val-per-class', '2', '--batch-size', '16', '--out', out];

/** Runs the sweep; with killWhen, SIGKILLs it as soon as that file exists. */
const sweep = (killWhen?: string) => runCli(args, { killWhen: killWhen ? whenExists(killWhen) : undefined });

describe('aegl-gpu sweep', () => {
  it('plans the grid per (dataset, ρ, seed) group: stage 1, AEGL and the control from the same checkpoint with the same fine-tune', () => {
    const plan = planSweep({ dataset: 'fmnist', imbalance: '0.1,0.01', seeds: '0,1', aeglEpochs: '2', aeglLr: '1e-4' }, '/r');
    expect(plan.cells.map((c) => `${c.imbalance}/s${c.seed}/${c.method}`)).toEqual(
      ['0.1/s0/ce', '0.1/s0/aegl', '0.1/s0/control', '0.1/s1/ce', '0.1/s1/aegl', '0.1/s1/control', '0.01/s0/ce', '0.01/s0/aegl', '0.01/s0/control', '0.01/s1/ce', '0.01/s1/aegl', '0.01/s1/control'],
    );
    const [, aegl, control] = plan.cells.map(plan.flagsOf);
    expect(aegl).toMatchObject({ method: 'aegl', init: '/r/fmnist-0.1/s0/ce/best.safetensors', subset: '/r/fmnist-0.1/s0/ce/subset.json', epochs: '2', lr: '1e-4' });
    expect(control).toMatchObject({ method: 'ce', init: aegl.init, subset: aegl.subset, epochs: 2, lr: 1e-4, schedule: 'aegl' });
    expect(() => planSweep({ methods: 'aegl' }, '/r')).toThrow(/list ce too/);
    expect(() => planSweep({ seeds: '0,x' }, '/r')).toThrow(/--seeds 0,x/);
    expect(() => planSweep({ methods: 'ce,focal' }, '/r')).toThrow(/unknown method focal/);
  });

  it('survives a kill -9 in the middle of the grid: the rerun skips finished cells, continues, and writes the summaries', async () => {
    const firstCell = join(out, 'fmnist-0.25', 's0', 'ce', 'result.json');
    const killed = await sweep(join(out, 'fmnist-0.25', 's0', 'aegl', 'config.json'));
    expect(killed.signal, killed.output).toBe('SIGKILL');
    expect(existsSync(firstCell)).toBe(true);
    expect(existsSync(join(out, 'summary.md'))).toBe(false);
    const finishedAt = statSync(firstCell).mtimeMs;

    const again = await sweep();
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('seed 0: ce (done, skipped)');
    expect(statSync(firstCell).mtimeMs).toBe(finishedAt);
    expect(again.output).toContain('summary of 6/6 finished cells');

    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    for (const m of ['ce', 'aegl', 'control']) for (const sel of ['val-selected', 'test-selected', 'last']) expect(md).toContain(`| ${m} | ${sel} | 0,1 |`);
    expect(md).toMatch(/\| aegl − ce \| val-selected \| 0,1 \| [+-]\d+\.\d\d \[/);
    expect(md).toMatch(/\| aegl − control \| val-selected \| 0,1 \|.*s0: \d+\/\d+, p [\d.]+; s1: \d+\/\d+, p/);

    const csv = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('kind,dataset,imbalance,method,selection,metric,seeds,n,mean,std,ci_low,ci_high,mcnemar');
    const cells = csv.filter((l) => l.startsWith('cell,'));
    for (const metric of ['top1', 'head', 'tail']) for (const sel of ['val-selected', 'test-selected', 'last']) expect(cells.some((l) => l.includes(`,aegl,${sel},${metric},`))).toBe(true);
    expect(csv.some((l) => /^paired,fmnist,0\.25,aegl − control,val-selected,top1,0 1,2,[-\d.e]+,[\d.e-]+,[-\d.e]+,[-\d.e]+,s0:/.test(l))).toBe(true);

    const json = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(json.cells).toHaveLength(3);
    expect(json.comparisons.map((c: { name: string; selection: string }) => `${c.name} ${c.selection}`)).toContain('aegl − control val-selected');
    expect(json.comparisons[0].mcnemar).toHaveLength(2);
    const preds = JSON.parse(readFileSync(join(out, 'fmnist-0.25', 's1', 'aegl', 'predictions.json'), 'utf8'));
    expect(preds.labels).toHaveLength(60);
    expect(preds['val-selected'].test).toHaveLength(60);
  });
});
