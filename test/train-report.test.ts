import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeMetrics, type EpochRecord } from '../src/train/loop/metrics.js';
import { groupedBarChart, lineChart, niceTicks } from '../src/train/reports/plots.js';
import { headToTail, PLOT_FILES, renderAblation, renderReport, writeReport } from '../src/train/reports/report.js';

const dir = mkdtempSync(join(tmpdir(), 'aegl-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Fashion-MNIST-LT ρ = 0.01-like counts, deliberately not sorted, so head → tail ordering shows.
const trainCounts = [6000, 35, 3597, 60, 2156, 100, 1292, 774, 464, 278];
const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle <boot> & co|x'];

/** Epoch e: class c gets 1000 test images, accuracy rising with e and falling with c. */
function record(epoch: number, top: number, gae?: number): EpochRecord {
  const correct = trainCounts.map((_, c) => Math.round(10 * Math.max(0, top - 4 * c)));
  const counts = correct.flatMap((k) => [k, 1000]);
  return {
    epoch,
    lr: 0.1 / epoch,
    trainLoss: 2 / epoch,
    test: computeMetrics(counts, trainCounts),
    ...(gae === undefined ? {} : { gae: { total: gae, perClass: trainCounts.map((_, c) => (c >= 5 ? gae / 5 : 0)) } }),
  };
}

describe('report', () => {
  const records = [record(1, 50, 40), record(2, 80, 30), record(3, 90, 25), record(4, 85, 20)];
  const ceRecord = record(7, 70, 60);
  const ce = { name: 'CE', epoch: 7, metrics: { ...ceRecord.test, perClass: trainCounts.map((_, c) => 95 - 8 * c) } };
  const { markdown, plots } = renderReport({ title: 'AEGL on Fashion-MNIST-LT', method: 'AEGL', trainCounts, records, classNames: names, settings: { dataset: 'fmnist', seed: 0, init: undefined }, compare: [ce] });

  it('orders classes head → tail by training images', () => {
    expect(headToTail(trainCounts)).toEqual([0, 2, 4, 6, 7, 8, 9, 5, 3, 1]);
    expect(headToTail([5, 5, 9])).toEqual([2, 0, 1]);
  });

  it('labels the test-selected and the last epoch, with many/medium/few and head/tail', () => {
    const best = records[2].test;
    const last = records[3].test;
    expect(markdown).toContain(`| AEGL test-selected | 3 | ${best.top1.toFixed(2)} | ${best.many!.toFixed(2)} | ${best.medium!.toFixed(2)} | — |`);
    expect(markdown).toContain(`| AEGL last | 4 | ${last.top1.toFixed(2)} |`);
    expect(markdown).toContain('AEGL test-selected (epoch 3)');
    expect(markdown).toContain('No validation split');
    expect(markdown).toContain('AEGL last (epoch 4)');
    expect(markdown).toContain('`dataset`: "fmnist"');
    expect(markdown).not.toContain('init');
  });

  it('puts the compared model\'s overall accuracy above this run\'s', () => {
    const section = markdown.slice(markdown.indexOf('## Overall'), markdown.indexOf('## Per-class'));
    const rows = section.split('\n').filter((l) => /^\| (CE|AEGL)/.test(l));
    expect(rows.map((r) => r.split(' | ')[0].slice(2))).toEqual(['CE', 'AEGL test-selected', 'AEGL last']);
    expect(rows[0]).toContain(`| 7 | ${ceRecord.test.top1.toFixed(2)} |`);
    expect(rows[0]).toContain(`| ${ceRecord.test.tail!.toFixed(2)} |`);
  });

  it('lists per-class accuracy head → tail beside the compared method, with training counts', () => {
    const section = markdown.slice(markdown.indexOf('## Per-class'), markdown.indexOf('## Per epoch'));
    const rows = section.split('\n').filter((l) => /^\| (T-shirt|Trouser|Pullover|Sandal)/.test(l));
    expect(rows.map((r) => r.split(' | ')[0].slice(2))).toEqual(['T-shirt/top', 'Pullover', 'Sandal', 'Trouser']);
    // Sandal: class 5, 100 training images; CE 55; best epoch 90 − 20 = 70 %; last 85 − 20 = 65 %.
    expect(markdown).toContain('| Sandal | 100 | 55.00 | 70.00 | 65.00 |');
    expect(section).toContain('| Ankle <boot> & co\\|x | 278 |'); // a | in a name must not split the cell
  });

  it('shows GAE counts per epoch and per class when present, and omits them otherwise', () => {
    expect(markdown).toContain('| 2 | 0.05 | 1.0000 |');
    expect(markdown).toMatch(/\| epoch \| lr \| train loss \| test top-1 \| GAE \|/);
    expect(markdown).toContain('| Sandal | 4 |');
    expect(plots[PLOT_FILES.gae]).toBeDefined();
    const plain = renderReport({ title: 'CE', method: 'CE', trainCounts, records: records.map(({ gae: _, ...r }) => r) });
    expect(plain.markdown).not.toContain('GAE');
    expect(plain.plots[PLOT_FILES.gae]).toBeUndefined();
    expect(plain.markdown).toContain('CE test-selected (epoch 3)');
  });

  it('with a validation split: the val-selected epoch is the chosen one, test-selected and last shown beside it', () => {
    const val = (top: number) => record(0, top).test;
    const withVal = [50, 95, 60, 70].map((v, i) => ({ ...records[i], val: val(v) }));
    const r = renderReport({ title: 'CE', method: 'CE', trainCounts, records: withVal });
    const section = r.markdown.slice(r.markdown.indexOf('## Overall'), r.markdown.indexOf('## Per-class'));
    const rows = section.split('\n').filter((l) => l.startsWith('| CE'));
    expect(rows.map((l) => l.split(' | ').slice(0, 2).join(' | '))).toEqual(['| CE val-selected | 2', '| CE test-selected | 3', '| CE last | 4']);
    expect(r.markdown).toContain('CE val-selected (epoch 2)');
    expect(r.markdown).toMatch(/\| epoch \| lr \| train loss \| val top-1 \| test top-1 \|/);
  });

  it('draws one bar per class and series, escaping class names', () => {
    const svg = plots[PLOT_FILES.perClass];
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    // 3 series (CE, best, last) × 10 classes; class 9's accuracy at epoch 1 is 50 − 36 = 14 > 0.
    expect(svg.match(/<rect x=/g)).toHaveLength(30);
    expect(svg).toContain('Ankle &lt;boot&gt; &amp; co');
    expect(svg).not.toContain('<boot>');
  });

  it('writes report.md and the SVGs it links', () => {
    const files = writeReport(dir, { title: 'r', method: 'AEGL', trainCounts, records });
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    for (const f of [PLOT_FILES.perClass, PLOT_FILES.curves, PLOT_FILES.gae]) {
      expect(files).toContain(join(dir, f));
      expect(md).toContain(`(${f})`);
      expect(readFileSync(join(dir, f), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
    }
  });

  it('renders the k ablation as a table and a two-axis plot', () => {
    const { markdown: md, plots: p } = renderAblation([
      { k: 3, selection: 'val-selected', epoch: 2, top1: 85.9, tail: 71.2, gae: 420 },
      { k: 1, selection: 'val-selected', epoch: 1, top1: 85.5, tail: 70.1, gae: 150 },
      { k: 5, selection: 'val-selected', epoch: 3, top1: 85.7, tail: null, gae: 610 },
    ]);
    expect(md.split('\n').filter((l) => /^\| \d/.test(l)).map((l) => l.split(' | ')[0])).toEqual(['| 1', '| 3', '| 5']);
    expect(md).toContain('| 5 | 3 (val-selected) | 85.70 | — | 610 |');
    const svg = p[PLOT_FILES.ablation];
    expect(svg).toContain('GAE count');
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg).toContain('stroke-dasharray'); // the right-axis series
  });
});

describe('plots', () => {
  it('niceTicks covers the range with round steps', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.13, 0.91)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3).length).toBeGreaterThan(1);
    const t = niceTicks(-7, 1234);
    expect(t[0]).toBeLessThanOrEqual(-7);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(1234);
  });

  it('a line chart breaks at nulls and puts integer x ticks only', () => {
    const svg = lineChart({ title: 't', xLabel: 'epoch', yLabel: 'y', series: [{ name: 's', points: [[1, 10], [2, null], [3, 20], [4, 30]] }] });
    const d = /<path d="([^"]+)"/.exec(svg)![1];
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(1);
    expect(svg).not.toMatch(/>2\.5</);
    expect(svg.match(/<circle /g)).toHaveLength(3);
  });

  it('a bar chart skips null values and scales bars to the axis', () => {
    const svg = groupedBarChart({ title: 't', categories: ['a', 'b'], series: [{ name: 's', values: [100, null] }, { name: 'u', values: [50, 0] }], yLabel: '%', yRange: [0, 100] });
    const heights = [...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(3);
    expect(heights[0]).toBeCloseTo(2 * heights[1], 1);
    expect(heights[2]).toBe(0);
  });
});
