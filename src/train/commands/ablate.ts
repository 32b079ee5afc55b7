// `aegl-gpu ablate`: the paper's k-step ablation, one AEGL fine-tune per k from the same stage-1
// checkpoint, with a table and a plot of accuracy and GAE count against k. Run it again after a
// stop to continue.
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import type { TrainFlags } from '../loop/config.js';
import type { EpochRecord } from '../loop/metrics.js';
import { writeAblation, type AblationRow } from '../reports/report.js';
import { RunDir } from '../run-io/run-dir.js';
import { trainOrContinue, type TrainOptions } from './train.js';

/** Returns the exit status: 130 when stopped (the same command continues it). */
export async function runAblation(flags: TrainFlags & { stepsList: string }, o: TrainOptions & { out: string }): Promise<number> {
  const ks = flags.stepsList.split(',').map((v) => Number(v.trim()));
  if (!ks.length || ks.some((k) => !Number.isInteger(k) || k < 1)) throw new UserError(`--steps ${flags.stepsList}: expected positive integers separated by commas, e.g. 1,3,5,7,9`);
  if (!flags.init) throw new UserError('ablate needs --init <stage-1 checkpoint> (e.g. a run\'s best.safetensors)');
  const rows: AblationRow[] = [];
  for (const k of ks) {
    (o.log ?? console.log)(`== AEGL with k = ${k} PGD steps ==`);
    const { stepsList: _, ...rest } = flags;
    const r = await trainOrContinue(join(o.out, `k${k}`), { ...rest, method: 'aegl', steps: k }, o);
    if (r.interrupted) return 130;
    const records = RunDir.open(r.dir, { resume: true }).readMetrics<EpochRecord>();
    rows.push({ k, selection: r.bestSelection, epoch: r.best.epoch, top1: r.best.top1, tail: r.best.tail, gae: records.reduce((n, rec) => n + (rec.gae?.total ?? 0), 0) });
    writeAblation(o.out, rows);
  }
  return 0;
}
