// metrics.csv: metrics.jsonl flattened to one row per epoch, for spreadsheets and pandas. Columns:
// epoch, lr, train_loss, seconds, images_per_second, then test_ and (with a split) val_ top1,
// head, tail, many, medium, few and class<c>, then gae_total and gae_class<c> for AEGL runs.
import type { EpochRecord, EvalMetrics } from '../loop/metrics.js';

const GROUPS = ['top1', 'head', 'tail', 'many', 'medium', 'few'] as const;

function evalColumns(prefix: string, m: EvalMetrics | undefined, classes: number): [string, number | null | undefined][] {
  return [
    ...GROUPS.map((g): [string, number | null | undefined] => [`${prefix}_${g}`, m?.[g]]),
    ...Array.from({ length: classes }, (_, c): [string, number | null | undefined] => [`${prefix}_class${c}`, m?.perClass[c]]),
  ];
}

/** The CSV text of a run's epoch records (the header only when there is none). */
export function metricsCsv(records: readonly EpochRecord[]): string {
  const classes = records[0]?.test.perClass.length ?? 0;
  const hasVal = records.some((r) => r.val);
  const hasGae = records.some((r) => r.gae);
  const rows = records.map((r) => [
    ['epoch', r.epoch],
    ['lr', r.lr],
    ['train_loss', r.trainLoss],
    ['seconds', r.seconds],
    ['images_per_second', r.imagesPerSecond],
    ...evalColumns('test', r.test, classes),
    ...(hasVal ? evalColumns('val', r.val, classes) : []),
    ...(hasGae ? [['gae_total', r.gae?.total], ...Array.from({ length: classes }, (_, c) => [`gae_class${c}`, r.gae?.perClass[c]])] : []),
  ] as [string, number | null | undefined][]);
  const header = rows[0]?.map(([k]) => k) ?? ['epoch', 'lr', 'train_loss', 'seconds', 'images_per_second'];
  return [header.join(','), ...rows.map((row) => row.map(([, v]) => (v === null || v === undefined ? '' : String(v))).join(','))].join('\n') + '\n';
}
