// Multi-run commands: `aegl-gpu run` (stage 1 with a baseline loss, then the AEGL fine-tune from
// its best checkpoint, and a report with both per class) and `aegl-gpu ablate` (the paper's
// k-step ablation: one AEGL fine-tune per k from the same stage-1 checkpoint).
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { TrainFlags } from './config.js';
import type { EpochRecord } from './metrics.js';
import { writeAblation, writeReport, type AblationRow } from './report.js';
import { RunDir } from './run-dir.js';
import { train, type TrainOptions } from './trainer.js';

export interface PipelineFlags extends TrainFlags {
  stage1Epochs?: string;
  aeglEpochs?: string;
}

export async function runPipeline(flags: PipelineFlags, o: TrainOptions & { out: string }): Promise<void> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const { stage1Epochs, aeglEpochs, ...common } = flags;
  const base = (common.baseLoss as string | undefined) ?? 'ce';
  RunDir.open(o.out); // refuses a non-empty directory before hours of training
  log(`== stage 1: ${base.toUpperCase()} ==`);
  const stage1 = await train({ ...common, method: base as TrainFlags['method'], epochs: stage1Epochs ?? common.epochs }, { ...o, out: join(o.out, 'stage1') });
  if (stage1.interrupted) return;
  log(`== stage 2: AEGL fine-tune from ${join(stage1.dir, 'best.safetensors')} ==`);
  const stage2 = await train(
    { ...common, method: 'aegl', baseLoss: base as TrainFlags['baseLoss'], epochs: aeglEpochs, lr: undefined, schedule: undefined, init: join(stage1.dir, 'best.safetensors') },
    { ...o, out: join(o.out, 'aegl') },
  );
  if (stage2.interrupted) return;
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
}

export async function runAblation(flags: TrainFlags & { stepsList: string }, o: TrainOptions & { out: string }): Promise<void> {
  const ks = flags.stepsList.split(',').map((v) => Number(v.trim()));
  if (!ks.length || ks.some((k) => !Number.isInteger(k) || k < 1)) throw new UserError(`--steps ${flags.stepsList}: expected positive integers separated by commas, e.g. 1,3,5,7,9`);
  if (!flags.init) throw new UserError('ablate needs --init <stage-1 checkpoint> (e.g. a run\'s best.safetensors)');
  RunDir.open(o.out); // refuses a non-empty directory
  const rows: AblationRow[] = [];
  for (const k of ks) {
    (o.log ?? console.log)(`== AEGL with k = ${k} PGD steps ==`);
    const { stepsList: _, ...rest } = flags;
    const r = await train({ ...rest, method: 'aegl', steps: k }, { ...o, out: join(o.out, `k${k}`) });
    if (r.interrupted) return;
    const records = RunDir.open(r.dir, { resume: true }).readMetrics<EpochRecord>();
    rows.push({ k, epoch: r.best.epoch, top1: r.best.top1, tail: r.best.tail, gae: records.reduce((n, rec) => n + (rec.gae?.total ?? 0), 0) });
    writeAblation(o.out, rows);
  }
}
