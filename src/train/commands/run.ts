// `aegl-gpu run`: stage 1 with a baseline loss, then the AEGL fine-tune from its chosen
// checkpoint, and a report with both per class. Run it again after a stop to continue.
import { join } from 'node:path';
import type { TrainFlags } from '../loop/config.js';
import type { EpochRecord } from '../loop/metrics.js';
import { writeReport } from '../reports/report.js';
import { RunDir } from '../run-io/run-dir.js';
import { trainOrContinue, type TrainOptions } from './train.js';

export interface PipelineFlags extends TrainFlags {
  stage1Epochs?: string;
  aeglEpochs?: string;
}

/** Returns the exit status: 130 when stopped (the same command continues it). */
export async function runPipeline(flags: PipelineFlags, o: TrainOptions & { out: string }): Promise<number> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const { stage1Epochs, aeglEpochs, ...common } = flags;
  const base = (common.baseLoss as string | undefined) ?? 'ce';
  log(`== stage 1: ${base.toUpperCase()} ==`);
  const stage1 = await trainOrContinue(join(o.out, 'stage1'), { ...common, method: base as TrainFlags['method'], epochs: stage1Epochs ?? common.epochs }, o);
  if (stage1.interrupted) return 130;
  log(`== stage 2: AEGL fine-tune from ${join(stage1.dir, 'best.safetensors')} ==`);
  const stage2 = await trainOrContinue(
    join(o.out, 'aegl'),
    { ...common, method: 'aegl', baseLoss: base as TrainFlags['baseLoss'], epochs: aeglEpochs, lr: undefined, schedule: undefined, init: join(stage1.dir, 'best.safetensors') },
    o,
  );
  if (stage2.interrupted) return 130;
  const records = RunDir.open(stage2.dir, { resume: true }).readMetrics<EpochRecord>();
  const s = stage2.settings;
  writeReport(o.out, {
    title: `${base.toUpperCase()} vs AEGL on ${s.dataset}-LT (ρ = ${s.imbalance})`,
    method: 'AEGL',
    trainCounts: stage2.trainCounts,
    records,
    settings: s as unknown as Record<string, unknown>,
    classNames: stage2.classNames,
    compare: [{ name: `${base.toUpperCase()} (stage 1, ${stage1.bestSelection} epoch ${stage1.best.epoch})`, epoch: stage1.best.epoch, metrics: stage1.best }],
  });
  const tail = (m: { tail: number | null }) => (m.tail === null ? '—' : `${m.tail.toFixed(2)}%`);
  log(
    `${base.toUpperCase()} ${stage1.bestSelection} ${stage1.best.top1.toFixed(2)}% (tail ${tail(stage1.best)}) → AEGL ${stage2.bestSelection} ${stage2.best.top1.toFixed(2)}% (tail ${tail(stage2.best)}), ` +
      `last ${stage2.last.top1.toFixed(2)}% (tail ${tail(stage2.last)}); report: ${join(o.out, 'report.md')}`,
  );
  return 0;
}
