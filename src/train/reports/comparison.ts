// Several runs side by side (`aegl-gpu report A B …`): each at its chosen epoch (val-selected with
// a split, else test-selected) and its last, overall and head/tail, then per class head → tail,
// with one grouped bar plot of per-class accuracy.
import { BestLast, type EpochRecord } from '../loop/metrics.js';
import { pct, table } from './markdown.js';
import { groupedBarChart } from './plots.js';
import { headToTail } from './report.js';

export interface ComparedRun {
  label: string;
  method: string;
  trainCounts: number[];
  records: EpochRecord[];
  classNames?: string[];
}

export const COMPARISON_PLOT = 'comparison.svg';


/** comparison.md's text and its plot; `plotFile` is the name the Markdown links to. Runs must share their classes. */
export function renderComparison(runs: ComparedRun[], plotFile = COMPARISON_PLOT): { markdown: string; plot: string } {
  const picked = runs.map((r) => {
    const t = BestLast.fromRecords(r.records);
    return { run: r, selection: t.bestSelection, best: t.best!, last: t.last! };
  });
  const first = runs[0];
  const order = headToTail(first.trainCounts);
  const names = first.classNames ?? first.trainCounts.map((_, c) => String(c));
  const md = ['# Runs compared', ''];
  md.push(
    table(
      ['run', 'method', 'selection', 'epoch', 'top-1', 'many', 'medium', 'few', 'head', 'tail', 'last epoch', 'last top-1', 'last tail'],
      picked.map(({ run, selection, best, last }) => {
        const m = best.metrics;
        return [run.label, run.method, selection, best.epoch, pct(m.top1), pct(m.many), pct(m.medium), pct(m.few), pct(m.head), pct(m.tail), last.epoch, pct(last.metrics.top1), pct(last.metrics.tail)];
      }),
    ),
    '',
    'Test accuracy (%) at each run\'s chosen epoch: val-selected (best validation top-1) where the run held out a validation split, else test-selected (best test top-1, as the literature reports; optimistic). Head/tail: the two halves of the classes; many/medium/few: by training images.',
    '',
    '## Per-class test accuracy (%), head → tail',
    '',
  );
  md.push(
    table(
      ['class', 'train images', ...runs.map((r) => r.label)],
      order.map((c) => [names[c], runs.map((r) => r.trainCounts[c]).every((n) => n === first.trainCounts[c]) ? first.trainCounts[c] : runs.map((r) => r.trainCounts[c]).join(' / '), ...picked.map((p) => pct(p.best.metrics.perClass[c]))]),
    ),
    '',
    `![per-class accuracy](${plotFile})`,
    '',
  );
  const plot = groupedBarChart({
    title: 'Test accuracy per class, head → tail',
    categories: order.map((c) => names[c]),
    series: picked.map((p) => ({ name: `${p.run.label} (${p.selection}, epoch ${p.best.epoch})`, values: order.map((c) => p.best.metrics.perClass[c]) })),
    yLabel: 'accuracy (%)',
    yRange: [0, 100],
  });
  return { markdown: md.join('\n'), plot };
}
