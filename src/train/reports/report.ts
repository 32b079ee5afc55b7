// report.md and its SVG plots, from the epoch records of metrics.jsonl: overall, per-class and
// many/medium/few-shot accuracy at the best and the last epoch (both labelled: the literature
// reports best-epoch), per-class accuracy next to other methods (CE vs AEGL, the paper's Fig. 4),
// training curves, GAE counts; and the k-step ablation table and plot.
import { join } from 'node:path';
import { writeFileAtomic } from '../run-io/atomic-write.js';
import type { TrainSettings } from '../loop/config.js';
import { BestLast, FEW_SHOT_BELOW, MANY_SHOT_ABOVE, type EpochRecord, type EvalMetrics, type Selection } from '../loop/metrics.js';
import { pct, table } from './markdown.js';
import { groupedBarChart, lineChart } from './plots.js';

/** Test accuracy of another model, shown beside this run's (e.g. the stage-1 CE model): the epoch and its metrics. */
export interface MethodResult {
  name: string;
  epoch: number;
  metrics: EvalMetrics;
}

export interface ReportInput {
  title: string;
  /** Name of this run's method in legends, e.g. "AEGL" or "CE". */
  method: string;
  trainCounts: number[];
  records: EpochRecord[];
  classNames?: string[];
  /** Shown as a settings list (typically config.json's settings). */
  settings?: Record<string, unknown>;
  compare?: MethodResult[];
}

export const PLOT_FILES = {
  perClass: 'per-class-accuracy.svg',
  curves: 'training-curves.svg',
  gae: 'gae-per-epoch.svg',
  ablation: 'ablation.svg',
} as const;


/** Class indices from most to fewest training images (stable), i.e. head → tail. */
export function headToTail(trainCounts: readonly number[]): number[] {
  return trainCounts.map((_, c) => c).sort((a, b) => trainCounts[b] - trainCounts[a] || a - b);
}

/** The report's Markdown and its SVGs (file name → content), without touching the disk. */
export function renderReport(input: ReportInput): { markdown: string; plots: Record<string, string> } {
  const { records, trainCounts, method } = input;
  if (!records.length) throw new Error('renderReport: no epoch records');
  const tracker = BestLast.fromRecords(records);
  const best = tracker.best!;
  const last = tracker.last!;
  const chosen = tracker.bestSelection;
  const hasVal = chosen === 'val-selected';
  const order = headToTail(trainCounts);
  const names = input.classNames ?? trainCounts.map((_, c) => String(c));
  const sameEpoch = best.epoch === last.epoch;
  const bestLabel = `${method} ${chosen} (epoch ${best.epoch})`;
  const lastLabel = `${method} last (epoch ${last.epoch})`;

  const md: string[] = [`# ${input.title}`, ''];
  if (input.settings) {
    const shown = Object.entries(input.settings).filter(([, v]) => v !== undefined);
    md.push(shown.map(([k, v]) => `\`${k}\`: ${JSON.stringify(v)}`).join(' · '), '');
  }

  md.push('## Overall test accuracy (%)', '');
  const summary = (label: string, epoch: number, m: EvalMetrics) => [label, epoch, pct(m.top1), pct(m.many), pct(m.medium), pct(m.few), pct(m.head), pct(m.tail)];
  const testSelected = tracker.get('test-selected')!;
  md.push(
    table(
      ['', 'epoch', 'top-1', 'many', 'medium', 'few', 'head', 'tail'],
      [
        ...(input.compare ?? []).map((c) => summary(c.name, c.epoch, c.metrics)),
        ...(hasVal ? [summary(`${method} val-selected`, best.epoch, best.metrics)] : []),
        summary(`${method} test-selected`, testSelected.epoch, testSelected.metrics),
        summary(`${method} last`, last.epoch, last.metrics),
      ],
    ),
    '',
    (hasVal
      ? 'Val-selected = the epoch with the highest validation top-1 (the run\'s best.safetensors); test-selected = the highest test top-1 (what the literature reports, optimistic); '
      : 'No validation split: test-selected = the highest test top-1 over the run (what the literature reports; best.safetensors); ') +
      `last = the final epoch. ` +
      `Many/medium/few: classes with > ${MANY_SHOT_ABOVE}, ${FEW_SHOT_BELOW}–${MANY_SHOT_ABOVE} and < ${FEW_SHOT_BELOW} training images ` +
      `(mean of per-class accuracy; — when no class falls in the group). Head/tail: the two halves of the classes.`,
    '',
  );

  const compare = input.compare ?? [];
  md.push('## Per-class test accuracy (%), head → tail', '');
  md.push(
    table(
      ['class', 'train images', ...compare.map((c) => c.name), bestLabel, ...(sameEpoch ? [] : [lastLabel])],
      order.map((c) => [
        names[c],
        trainCounts[c],
        ...compare.map((m) => pct(m.metrics.perClass[c])),
        pct(best.metrics.perClass[c]),
        ...(sameEpoch ? [] : [pct(last.metrics.perClass[c])]),
      ]),
    ),
    '',
  );

  const hasGae = records.some((r) => r.gae);
  md.push('## Per epoch', '');
  md.push(
    table(
      ['epoch', 'lr', 'train loss', ...(hasVal ? ['val top-1'] : []), 'test top-1', ...(hasGae ? ['GAE'] : [])],
      records.map((r) => [r.epoch, Number(r.lr.toPrecision(3)), r.trainLoss.toFixed(4), ...(hasVal ? [pct(r.val?.top1)] : []), pct(r.test.top1), ...(hasGae ? [r.gae?.total ?? '—'] : [])]),
    ),
    '',
  );
  if (hasGae) {
    const lastGae = [...records].reverse().find((r) => r.gae)!;
    md.push(`GAE = guiding adversarial examples (tail examples whose attack crossed into a head class). Per class at epoch ${lastGae.epoch}:`, '');
    md.push(table(['class', 'GAE'], order.filter((c) => lastGae.gae!.perClass[c] !== undefined).map((c) => [names[c], lastGae.gae!.perClass[c]])), '');
  }

  const plots: Record<string, string> = {
    [PLOT_FILES.perClass]: groupedBarChart({
      title: 'Test accuracy per class, head → tail',
      categories: order.map((c) => names[c]),
      series: [
        ...compare.map((m) => ({ name: m.name, values: order.map((c) => m.metrics.perClass[c] ?? null) })),
        { name: bestLabel, values: order.map((c) => best.metrics.perClass[c]) },
        ...(sameEpoch ? [] : [{ name: lastLabel, values: order.map((c) => last.metrics.perClass[c]) }]),
      ],
      yLabel: 'accuracy (%)',
      yRange: [0, 100],
    }),
    [PLOT_FILES.curves]: lineChart({
      title: 'Training loss and test accuracy',
      xLabel: 'epoch',
      yLabel: 'test top-1 (%)',
      yRightLabel: 'train loss',
      series: [
        ...(hasVal ? [{ name: 'val top-1', points: records.map((r): [number, number | null] => [r.epoch, r.val?.top1 ?? null]) }] : []),
        { name: 'test top-1', points: records.map((r) => [r.epoch, r.test.top1]) },
        { name: 'train loss', points: records.map((r) => [r.epoch, r.trainLoss]), axis: 'right' },
      ],
    }),
  };
  if (hasGae) {
    plots[PLOT_FILES.gae] = lineChart({
      title: 'Guiding adversarial examples per epoch',
      xLabel: 'epoch',
      yLabel: 'GAE count',
      series: [{ name: 'GAE', points: records.map((r) => [r.epoch, r.gae?.total ?? null]) }],
    });
  }
  md.push('## Plots', '', ...Object.keys(plots).map((f) => `![${f.replace('.svg', '')}](${f})`), '');
  return { markdown: md.join('\n'), plots };
}

/** A single run's report: titled by its method, dataset and ρ, its settings listed. */
export function runReportInput(settings: TrainSettings, trainCounts: number[], records: EpochRecord[], classNames?: string[]): ReportInput {
  return {
    title: `${settings.method.toUpperCase()} on ${settings.dataset}-LT (ρ = ${settings.imbalance})`,
    method: settings.method.toUpperCase(),
    trainCounts,
    records,
    classNames,
    settings: settings as unknown as Record<string, unknown>,
  };
}

/** Writes report.md and the plots into `dir` (each file atomically); returns the paths written. */
export function writeReport(dir: string, input: ReportInput): string[] {
  const { markdown, plots } = renderReport(input);
  return writeAll(dir, { 'report.md': markdown, ...plots });
}

/** One point of the k-step ablation: NS = k PGD steps, from the same stage-1 checkpoint. */
export interface AblationRow {
  k: number;
  /** The fine-tune's chosen epoch (best validation top-1 with a split, else best test top-1) and its test top-1 and tail accuracy. */
  selection: Selection;
  epoch: number;
  top1: number;
  tail: number | null;
  /** GAEs summed over all epochs of the fine-tune. */
  gae: number;
}

/** The ablation as a Markdown table plus one plot of accuracy (left) and GAE count (right) against k. */
export function renderAblation(rows: AblationRow[], title = 'AEGL: PGD steps k'): { markdown: string; plots: Record<string, string> } {
  const sorted = [...rows].sort((a, b) => a.k - b.k);
  const markdown = [
    `# ${title}`,
    '',
    table(['k', 'epoch', 'test top-1 (%)', 'tail accuracy (%)', 'GAEs, all epochs'], sorted.map((r) => [r.k, `${r.epoch} (${r.selection})`, pct(r.top1), pct(r.tail), r.gae])),
    '',
    'Test accuracy at each fine-tune\'s chosen epoch: val-selected = best validation top-1 (with --val-per-class); test-selected = best test top-1, as the literature reports it.',
    '',
    `![ablation](${PLOT_FILES.ablation})`,
    '',
  ].join('\n');
  const svg = lineChart({
    title,
    xLabel: 'k (PGD steps)',
    yLabel: 'accuracy (%)',
    yRightLabel: 'GAE count',
    series: [
      { name: 'top-1', points: sorted.map((r) => [r.k, r.top1]) },
      { name: 'tail', points: sorted.map((r) => [r.k, r.tail]) },
      { name: 'GAE', points: sorted.map((r) => [r.k, r.gae]), axis: 'right' },
    ],
  });
  return { markdown, plots: { [PLOT_FILES.ablation]: svg } };
}

export function writeAblation(dir: string, rows: AblationRow[], file = 'ablation.md'): string[] {
  const { markdown, plots } = renderAblation(rows);
  return writeAll(dir, { [file]: markdown, ...plots });
}

function writeAll(dir: string, files: Record<string, string>): string[] {
  return Object.entries(files).map(([name, content]) => {
    const path = join(dir, name);
    writeFileAtomic(path, content);
    return path;
  });
}
