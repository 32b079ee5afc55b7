// `aegl-gpu sweep`: a grid of datasets × ρ × seeds × methods, each cell an ordinary run directory
// (ROOT/<dataset>-<ρ>/s<seed>/<method>), then summary.md/json/csv over every finished cell.
// Methods: stage-1 baselines (ce, ldam-drw); aegl, the AEGL fine-tune of the same seed's stage 1;
// control, a plain fine-tune of the same checkpoint with AEGL's lr, epochs and optimizer (it
// isolates the attack from "a few more epochs at a small lr"). Resumable: a finished cell (its
// result.json) is skipped, a killed one resumes (train starts one killed before its first
// checkpoint again in place). Shardable: --shard i/n runs every n-th (dataset, ρ, seed) group, so a cell's stage 1
// and its fine-tunes always run on the same machine.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { BASE_LOSSES, resolveSettings, type BaseLoss, type TrainFlags, type TrainSettings } from '../loop/config.js';
import { RUN_FILES, RunDir } from '../run-io/run-dir.js';
import { summarize, writeSummary, type FinishedRun } from '../reports/summary.js';
import { trainOrContinue, type RunResult, type TestPredictions, type TrainOptions } from './train.js';

export const SWEEP_METHODS = ['ce', 'ldam-drw', 'aegl', 'control'] as const;
type SweepMethod = (typeof SWEEP_METHODS)[number];

export interface SweepFlags extends Omit<TrainFlags, 'dataset' | 'imbalance'> {
  /** Comma-separated lists. */
  dataset?: string;
  imbalance?: string;
  seeds?: string;
  methods?: string;
  /** The stage 1 that aegl and control fine-tune (default ce). */
  aeglFrom?: string;
  stage1Epochs?: string;
  aeglEpochs?: string;
  aeglLr?: string;
  shard?: string;
}

interface Cell {
  dataset: string;
  imbalance: number;
  seed: number;
  method: SweepMethod;
  dir: string;
  /** Index of its (dataset, ρ, seed) group: the unit of sharding. */
  group: number;
}

function list(flag: string, value: string | undefined, fallback: string): string[] {
  const items = (value ?? fallback).split(',').map((v) => v.trim());
  if (items.some((v) => v === '')) throw new UserError(`--${flag} ${value}: expected a comma-separated list`);
  return [...new Set(items)];
}

function parseShard(value: string | undefined): { index: number; count: number } {
  if (value === undefined) return { index: 1, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || count < 1 || index < 1 || index > count) throw new UserError(`--shard ${value}: expected i/n with 1 ≤ i ≤ n, e.g. 2/4`);
  return { index, count };
}

export interface SweepPlan {
  cells: Cell[];
  flagsOf: (cell: Cell) => TrainFlags;
  stage1: BaseLoss;
}

/** The grid in run order (per group: stage 1 first, then its fine-tunes) and each cell's train flags. */
export function planSweep(f: SweepFlags, root: string): SweepPlan {
  const { seeds: s, methods: m, aeglFrom, stage1Epochs, aeglEpochs, aeglLr, shard: _, dataset: d, imbalance: r, ...common } = f;
  const datasets = list('dataset', d, 'fmnist');
  const rhos = list('imbalance', r, '0.01').map((v) => {
    const rho = Number(v);
    if (!(rho > 0 && rho <= 1)) throw new UserError(`--imbalance ${v}: expected ratios in (0, 1], e.g. 0.1,0.01`);
    return rho;
  });
  const seeds = list('seeds', s, '0,1,2').map((v) => {
    const seed = Number(v);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new UserError(`--seeds ${s}: expected integers in [0, 2³²), e.g. 0,1,2`);
    return seed;
  });
  const methods = list('methods', m, 'ce,aegl,control') as SweepMethod[];
  for (const x of methods) if (!SWEEP_METHODS.includes(x)) throw new UserError(`--methods ${m}: unknown method ${x} (one of ${SWEEP_METHODS.join(', ')})`);
  const stage1 = (aeglFrom ?? 'ce') as BaseLoss;
  if (!BASE_LOSSES.includes(stage1)) throw new UserError(`--aegl-from ${aeglFrom}: expected one of ${BASE_LOSSES.join(', ')}`);
  if ((methods.includes('aegl') || methods.includes('control')) && !methods.includes(stage1 as SweepMethod)) {
    throw new UserError(`--methods ${methods.join(',')}: aegl and control fine-tune the ${stage1} stage 1, so list ${stage1} too`);
  }
  const order = SWEEP_METHODS.filter((x) => methods.includes(x));
  const cells: Cell[] = [];
  let group = 0;
  for (const dataset of datasets) {
    for (const imbalance of rhos) {
      for (const seed of seeds) {
        for (const method of order) cells.push({ dataset, imbalance, seed, method, group, dir: join(root, `${dataset}-${imbalance}`, `s${seed}`, method) });
        group++;
      }
    }
  }

  const stage1Dir = (c: Cell) => join(root, `${c.dataset}-${c.imbalance}`, `s${c.seed}`, stage1);
  const flagsOf = (c: Cell): TrainFlags => {
    const base: TrainFlags = { ...common, dataset: c.dataset, imbalance: c.imbalance, seed: c.seed };
    if (c.method === 'ce' || c.method === 'ldam-drw') return { ...base, method: c.method, epochs: stage1Epochs };
    const from = { init: join(stage1Dir(c), 'best.safetensors'), subset: join(stage1Dir(c), 'subset.json') };
    const aegl: TrainFlags = { ...base, ...from, method: 'aegl', baseLoss: stage1, epochs: aeglEpochs, lr: aeglLr };
    if (c.method === 'aegl') return aegl;
    // The control: the same fine-tune without the attack.
    const a = resolveSettings(aegl);
    const same: (keyof TrainSettings)[] = ['epochs', 'lr', 'schedule', 'warmupEpochs', 'momentum', 'weightDecay', 'drwEpoch', 'batchSize', 'augment', 'freezeBn'];
    return { ...base, ...from, method: stage1, ...Object.fromEntries(same.map((k) => [k, a[k]])) };
  };
  return { cells, flagsOf, stage1 };
}

/** Runs one cell to completion (a finished one is skipped unread); false when stopped. */
async function runCell(dir: string, flags: TrainFlags, o: TrainOptions): Promise<boolean> {
  return existsSync(join(dir, RUN_FILES.result)) || !(await trainOrContinue(dir, flags, o)).interrupted;
}

function finishedRuns(cells: readonly Cell[]): FinishedRun[] {
  return cells.flatMap((c) => {
    if (!existsSync(join(c.dir, RUN_FILES.result))) return [];
    const dir = RunDir.open(c.dir, { resume: true });
    const result = dir.readJson<RunResult>(RUN_FILES.result)!;
    const predictions = dir.readJson<TestPredictions>(RUN_FILES.predictions) ?? {};
    return [{ dataset: c.dataset, imbalance: c.imbalance, seed: c.seed, method: c.method, result, predictions }];
  });
}

/** Runs this shard's cells, then writes the summary of every finished cell of the grid; returns 130 when stopped. */
export async function runSweep(f: SweepFlags, o: TrainOptions & { out: string }): Promise<number> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const shard = parseShard(f.shard);
  const plan = planSweep(f, o.out);
  const mine = plan.cells.filter((c) => c.group % shard.count === shard.index - 1);
  log(`aegl-gpu sweep: ${plan.cells.length} cells in ${o.out}${shard.count > 1 ? `; shard ${shard.index}/${shard.count} runs ${mine.length}` : ''}`);
  for (const [i, c] of mine.entries()) {
    const state = existsSync(join(c.dir, RUN_FILES.result)) ? 'done, skipped' : existsSync(join(c.dir, RUN_FILES.resume)) ? 'resuming' : 'starting';
    log(`== [${i + 1}/${mine.length}] ${c.dataset} ρ=${c.imbalance} seed ${c.seed}: ${c.method} (${state}) ==`);
    if (!(await runCell(c.dir, plan.flagsOf(c), o))) {
      log(`stopped: run the same command again to continue`);
      return 130;
    }
  }
  const runs = finishedRuns(plan.cells);
  writeSummary(o.out, summarize(runs, plan.stage1), `Sweep summary (${runs.length} of ${plan.cells.length} cells finished)`);
  log(`summary of ${runs.length}/${plan.cells.length} finished cells: ${join(o.out, 'summary.md')} (.json, .csv)`);
  return 0;
}
