// `aegl-gpu report RUN_DIR…`: rebuilds each run's report.md and plots from its files (config,
// metrics, result or subset, checkpoint card), and for several runs writes a side-by-side
// comparison with one plot.
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import type { TrainSettings } from '../loop/config.js';
import type { EpochRecord } from '../loop/metrics.js';
import { renderComparison, type ComparedRun } from '../reports/comparison.js';
import { runReportInput, writeReport } from '../reports/report.js';
import { writeFileAtomic } from '../run-io/atomic-write.js';
import { cardFromMetadata } from '../run-io/model-card.js';
import { RUN_FILES, RunDir } from '../run-io/run-dir.js';
import { readSafetensors } from '../run-io/safetensors.js';
import type { RunResult } from './train.js';

interface RunOnDisk extends ComparedRun {
  dir: string;
  settings: TrainSettings;
}

/** A run directory's settings, epoch records, training counts and class names (from result.json, subset.json or a checkpoint's card). */
function readRun(path: string): RunOnDisk {
  const dir = RunDir.open(path, { resume: true });
  const settings = dir.readConfig().settings as unknown as TrainSettings;
  const records = dir.readMetrics<EpochRecord>();
  if (!records.length) throw new UserError(`${path}: no finished epoch in metrics.jsonl yet`);
  const result = dir.readJson<RunResult>(RUN_FILES.result);
  const trainCounts = result?.trainCounts ?? dir.readJson<{ counts: number[] }>(RUN_FILES.subset)?.counts;
  if (!trainCounts) throw new UserError(`${path}: neither ${RUN_FILES.result} nor ${RUN_FILES.subset} says how many training images each class had`);
  const checkpoint = dir.checkpoint('last');
  const card = existsSync(checkpoint) ? cardFromMetadata(checkpoint, readSafetensors(checkpoint).metadata) : null;
  return { dir: dir.path, settings, records, trainCounts, classNames: result?.classNames ?? card?.classes, label: path, method: settings.method };
}

/** Short labels: the (absolute) directories relative to their deepest common parent, `/` at the least. */
export function shortLabels(dirs: string[]): string[] {
  let common = dirname(dirs[0]);
  const inside = (d: string) => relative(common, d) !== '' && !relative(common, d).startsWith('..');
  while (!dirs.every(inside) && dirname(common) !== common) common = dirname(common);
  return dirs.map((d) => relative(common, d));
}

/** Returns the files written. */
export function reportRuns(paths: string[], { out = 'comparison.md', log = (l: string): void => void process.stdout.write(`${l}\n`) }: { out?: string; log?: (line: string) => void } = {}): string[] {
  const runs = paths.map(readRun);
  const written: string[] = [];
  for (const r of runs) {
    written.push(...writeReport(r.dir, runReportInput(r.settings, r.trainCounts, r.records, r.classNames)));
    log(`${join(r.dir, 'report.md')}: rebuilt from ${r.records.length} epochs`);
  }
  if (runs.length < 2) return written;
  const classes = runs[0].trainCounts.length;
  const odd = runs.find((r) => r.trainCounts.length !== classes);
  if (odd) throw new UserError(`${odd.label}: ${odd.trainCounts.length} classes, ${runs[0].label} has ${classes}: runs of different datasets cannot be compared per class`);
  shortLabels(runs.map((r) => r.dir)).forEach((l, i) => (runs[i].label = l));
  const plotFile = `${basename(out, extname(out))}.svg`;
  const { markdown, plot } = renderComparison(runs, plotFile);
  const md = resolve(out);
  try {
    mkdirSync(dirname(md), { recursive: true });
  } catch (e) {
    throw new UserError(`--out ${out}: cannot create its folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  writeFileAtomic(md, markdown);
  writeFileAtomic(join(dirname(md), plotFile), plot);
  log(`${out}: ${runs.length} runs compared (plot ${join(dirname(out), plotFile)})`);
  return [...written, md, join(dirname(md), plotFile)];
}
