// A sweep's summary: per cell (dataset × ρ × method) the mean ± std over seeds of each metric at
// each selection (val-selected, test-selected, last); per dataset × ρ the paired per-seed
// differences AEGL − stage 1 and AEGL − control with 95 % t-intervals, and McNemar's exact test on
// the test predictions of each seed's pair. Written as summary.md, summary.json and summary.csv.
import { join } from 'node:path';
import { writeFileAtomic } from '../run-io/atomic-write.js';
import type { EvalMetrics, Selection } from '../loop/metrics.js';
import { SELECTIONS } from '../loop/metrics.js';
import { row } from './markdown.js';
import { mcnemarExact, mean, pairedDifference, std, type PairedDifference } from './stats.js';
import type { RunResult, TestPredictions } from '../commands/train.js';

export const SUMMARY_METRICS = ['top1', 'head', 'tail', 'many', 'medium', 'few'] as const;
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

/** One finished run of the grid. */
export interface FinishedRun {
  dataset: string;
  imbalance: number;
  seed: number;
  method: string;
  result: RunResult;
  predictions: TestPredictions;
}

export interface MeanStd {
  /** Seeds with a value (a group such as few-shot can be empty for a dataset). */
  n: number;
  mean: number | null;
  std: number | null;
}

export interface CellSummary {
  dataset: string;
  imbalance: number;
  method: string;
  seeds: number[];
  metrics: Record<Selection, Record<SummaryMetric, MeanStd>>;
}

export interface SeedTest {
  seed: number;
  onlyAegl: number;
  onlyOther: number;
  p: number;
}

export interface Comparison {
  dataset: string;
  imbalance: number;
  /** "aegl − ce" (AEGL against its own stage 1) or "aegl − control". */
  name: string;
  selection: Selection;
  seeds: number[];
  differences: Record<SummaryMetric, PairedDifference | null>;
  mcnemar: SeedTest[];
}

export interface Summary {
  cells: CellSummary[];
  comparisons: Comparison[];
}

const metricOf = (m: EvalMetrics | undefined, k: SummaryMetric): number | null => (m ? (m[k] ?? null) : null);

function meanStd(values: (number | null)[]): MeanStd {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length ? { n: xs.length, mean: mean(xs), std: std(xs) } : { n: 0, mean: null, std: null };
}

const groupKey = (r: { dataset: string; imbalance: number }) => `${r.dataset}\u0000${r.imbalance}`;

/** Summarises finished runs; `stage1` names the method AEGL and the control fine-tuned from. */
export function summarize(runs: readonly FinishedRun[], stage1: string): Summary {
  const cells: CellSummary[] = [];
  const comparisons: Comparison[] = [];
  const groups = new Map<string, FinishedRun[]>();
  for (const r of runs) groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), r]);
  for (const group of groups.values()) {
    const { dataset, imbalance } = group[0];
    const methods = [...new Set(group.map((r) => r.method))];
    for (const method of methods) {
      const of = group.filter((r) => r.method === method).sort((a, b) => a.seed - b.seed);
      const metrics = Object.fromEntries(
        SELECTIONS.map((sel) => [sel, Object.fromEntries(SUMMARY_METRICS.map((k) => [k, meanStd(of.map((r) => metricOf(r.result.selections[sel]?.metrics, k)))]))]),
      ) as CellSummary['metrics'];
      cells.push({ dataset, imbalance, method, seeds: of.map((r) => r.seed), metrics });
    }
    const aegl = new Map(group.filter((r) => r.method === 'aegl').map((r) => [r.seed, r]));
    for (const other of [stage1, 'control']) {
      const pairs = group.filter((r) => r.method === other && aegl.has(r.seed)).sort((a, b) => a.seed - b.seed);
      if (!pairs.length) continue;
      for (const selection of SELECTIONS) {
        const both = pairs.filter((b) => aegl.get(b.seed)!.result.selections[selection] && b.result.selections[selection]);
        if (!both.length) continue;
        const differences = Object.fromEntries(
          SUMMARY_METRICS.map((k) => {
            const diffs = both.map((b) => {
              const x = metricOf(aegl.get(b.seed)!.result.selections[selection]!.metrics, k);
              const y = metricOf(b.result.selections[selection]!.metrics, k);
              return x === null || y === null ? null : x - y;
            });
            return [k, diffs.every((d) => d !== null) ? pairedDifference(diffs as number[]) : null];
          }),
        ) as Comparison['differences'];
        const mcnemar = both.flatMap((b): SeedTest[] => {
          const pa = aegl.get(b.seed)!.predictions;
          const pb = b.predictions;
          if (!pa[selection] || !pb[selection] || !pa.labels) return [];
          const t = mcnemarExact(pa[selection]!.test, pb[selection]!.test, pa.labels);
          return [{ seed: b.seed, onlyAegl: t.onlyA, onlyOther: t.onlyB, p: t.p }];
        });
        comparisons.push({ dataset, imbalance, name: `aegl − ${other}`, selection, seeds: both.map((b) => b.seed), differences, mcnemar });
      }
    }
  }
  return { cells, comparisons };
}

const fixed = (v: number | null, digits = 2) => (v === null ? '—' : v.toFixed(digits));
const pm = (m: MeanStd) => (m.mean === null ? '—' : `${fixed(m.mean)} ± ${fixed(m.std)}`);
const interval = (d: PairedDifference | null) =>
  d === null ? '—' : `${d.mean >= 0 ? '+' : ''}${fixed(d.mean)}${d.low === null ? '' : ` [${fixed(d.low)}, ${fixed(d.high)}]`}`;
const pValue = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));

export function renderSummaryMarkdown(s: Summary, title: string): string {
  const md = [`# ${title}`, ''];
  md.push(
    'Accuracies in %, mean ± sample std over the seeds listed. **val-selected**: the epoch with the best validation top-1 (our choice); ' +
      '**test-selected**: the best test top-1 (what the literature reports; optimistic); **last**: the final epoch. ' +
      'Head/tail: classes below/from the tail boundary; many/medium/few: > 100, 20–100, < 20 training images. ' +
      'Differences are paired by seed, with a 95 % t-interval; McNemar: exact two-sided test on the test images, per seed ' +
      '(b = only AEGL right, c = only the other right).',
    '',
  );
  const groups = [...new Set(s.cells.map(groupKey))];
  for (const g of groups) {
    const cells = s.cells.filter((c) => groupKey(c) === g);
    md.push(`## ${cells[0].dataset}, ρ = ${cells[0].imbalance}`, '');
    md.push(row(['method', 'selection', 'seeds', ...SUMMARY_METRICS]), row(Array(3 + SUMMARY_METRICS.length).fill('---')));
    for (const c of cells) {
      for (const sel of SELECTIONS) {
        if (c.metrics[sel].top1.n === 0) continue;
        md.push(row([c.method, sel, c.seeds.join(','), ...SUMMARY_METRICS.map((k) => pm(c.metrics[sel][k]))]));
      }
    }
    md.push('');
    const comps = s.comparisons.filter((c) => groupKey(c) === g);
    if (comps.length) {
      md.push(row(['difference', 'selection', 'seeds', ...SUMMARY_METRICS.map((k) => `Δ ${k}`), 'McNemar per seed (b/c, p)']), row(Array(4 + SUMMARY_METRICS.length).fill('---')));
      for (const c of comps) {
        const tests = c.mcnemar.map((t) => `s${t.seed}: ${t.onlyAegl}/${t.onlyOther}, p ${pValue(t.p)}`).join('; ');
        md.push(row([c.name, c.selection, c.seeds.join(','), ...SUMMARY_METRICS.map((k) => interval(c.differences[k])), tests || '—']));
      }
      md.push('');
    }
  }
  return md.join('\n');
}

const CSV_COLUMNS = ['kind', 'dataset', 'imbalance', 'method', 'selection', 'metric', 'seeds', 'n', 'mean', 'std', 'ci_low', 'ci_high', 'mcnemar'] as const;

/** Long format: one row per cell × selection × metric and per comparison × selection × metric. */
export function renderSummaryCsv(s: Summary): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  for (const c of s.cells) {
    for (const sel of SELECTIONS) {
      for (const k of SUMMARY_METRICS) {
        const m = c.metrics[sel][k];
        if (m.n === 0) continue;
        lines.push(['cell', c.dataset, c.imbalance, c.method, sel, k, c.seeds.join(' '), m.n, num(m.mean), num(m.std), '', '', ''].join(','));
      }
    }
  }
  for (const c of s.comparisons) {
    const tests = c.mcnemar.map((t) => `s${t.seed}:${t.onlyAegl}/${t.onlyOther}:p=${t.p}`).join(' ');
    for (const k of SUMMARY_METRICS) {
      const d = c.differences[k];
      if (!d) continue;
      lines.push(['paired', c.dataset, c.imbalance, c.name, c.selection, k, c.seeds.join(' '), d.n, num(d.mean), num(d.std), num(d.low), num(d.high), k === 'top1' ? tests : ''].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes summary.md, summary.json and summary.csv into `dir`, each atomically. */
export function writeSummary(dir: string, s: Summary, title: string): void {
  writeFileAtomic(join(dir, 'summary.md'), renderSummaryMarkdown(s, title));
  writeFileAtomic(join(dir, 'summary.json'), `${JSON.stringify(s, null, 1)}\n`);
  writeFileAtomic(join(dir, 'summary.csv'), renderSummaryCsv(s));
}
