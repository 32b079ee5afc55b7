// `aegl-gpu train`: the epoch loop around a Session: one tidy and one submit per step, validation
// and test predictions read once per epoch, checkpoints written atomically, Ctrl-C honoured
// between steps, --resume exact.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { engine, initEngine } from '../../gpu/engine.js';
import { confirmShipped, pendingShapes, tunePending, tuningCachePath, tuningEnabled, unconfirmedShapes } from '../../gpu/tuner.js';
import { fillBits } from '../../tensor.js';
import { resolveSettings, withTailFrom, type TrainFlags, type TrainSettings } from '../loop/config.js';
import { countsOf, predict } from '../loop/evaluate.js';
import { BestLast, computeMetrics, SELECTIONS, type EpochRecord, type EvalMetrics, type Labelled, type Selection } from '../loop/metrics.js';
import { Session } from '../loop/session.js';
import { prepareData } from '../loop/training-data.js';
import { metricsCsv } from '../reports/metrics-csv.js';
import { formatDuration, Progress } from '../reports/progress.js';
import { runReportInput, writeReport } from '../reports/report.js';
import { loadCheckpoint, loadWeights } from '../run-io/checkpoint.js';
import { readSafetensors, saveCheckpoint } from '../run-io/safetensors.js';
import { cardToMetadata } from '../run-io/model-card.js';
import { RUN_FILES, RunDir } from '../run-io/run-dir.js';

export interface TrainOptions {
  /** A new run directory (refused when it holds anything but what a run killed before its first checkpoint wrote). */
  out?: string;
  /** An existing run directory to continue. */
  resume?: string;
  adapter?: string;
  log?: (line: string) => void;
  /** Stops the run after the current step, as Ctrl-C does (checkpoints written, resumable). */
  signal?: AbortSignal;
  /** Called after every recorded step with 0-based epoch and step (progress hooks, tests). */
  onStep?: (epoch: number, step: number) => void;
}

/** One evaluated epoch of a run: its test metrics (top-1, per class, head/tail…). */
export interface EpochSummary extends EvalMetrics {
  epoch: number;
}

export interface TrainOutcome {
  dir: string;
  settings: TrainSettings;
  trainCounts: number[];
  /** The chosen epoch (`bestSelection`: best on validation with a split, else best on test). */
  best: EpochSummary;
  bestSelection: Selection;
  last: EpochSummary;
  classNames: string[];
  interrupted: boolean;
}

/**
 * result.json, written when a run completes: each selection's epoch with its test (and
 * validation) metrics. Its presence marks the run as finished (the sweep skips it).
 */
export interface RunResult {
  bestSelection: Selection;
  trainCounts: number[];
  valCounts: number[] | null;
  classNames: string[];
  selections: Partial<Record<Selection, Labelled>>;
}

/** predictions.json: the test labels, and for each selection its epoch and the predicted class of every test image. */
export type TestPredictions = { labels?: number[] } & Partial<Record<Selection, { epoch: number; test: number[] }>>;

/** Default run directory: runs/<dataset>-<method>-<imbalance>-s<seed>-<time>. */
export function defaultRunDir(s: TrainSettings): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `runs/${s.dataset}-${s.method}-${s.imbalance}-s${s.seed}-${stamp}`;
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** --resume continues a run as its config.json says: a flag that would change a setting is refused, naming it. */
function checkResumeFlags(path: string, settings: TrainSettings, flags: TrainFlags): void {
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const asked = resolveSettings({ ...(settings as unknown as TrainFlags), [key]: value })[key as keyof TrainSettings];
    if (asked !== settings[key as keyof TrainSettings]) {
      throw new UserError(`--resume ${path}: --${kebab(key)} ${String(value)} conflicts with the run's ${JSON.stringify(settings[key as keyof TrainSettings])} (config.json); drop the flag, or start a new run with --out`);
    }
  }
}

/**
 * The run in `dir`, continued when it was started (with the same flags: a conflicting one is
 * refused; a finished run just reports again) and started otherwise: how run, ablate and sweep
 * make each of their runs resumable.
 */
export function trainOrContinue(dir: string, flags: TrainFlags, o: TrainOptions): Promise<TrainOutcome> {
  return existsSync(join(dir, RUN_FILES.config)) ? train(flags, { ...o, resume: dir }) : train(flags, { ...o, out: dir });
}

/** Tunes the kernel shapes first seen in this step, saying what and how long (the first epoch of a fresh machine spends minutes here). */
async function tuneWithNote(progress: Progress): Promise<void> {
  const shapes = pendingShapes();
  const kinds = [...new Set(shapes.map((p) => p.kind))].join(', ');
  progress.status(`tuning ${shapes.length} new kernel shape${shapes.length === 1 ? '' : 's'} (${kinds})…`);
  // The steps recorded so far (the host runs far ahead of the GPU) finish first, off the clock:
  // the time reported is the tuner's own.
  await engine().sync();
  const started = performance.now();
  const done = await tunePending();
  if (done.length) progress.note(`tuned ${done.length} kernel shape${done.length === 1 ? '' : 's'} (${kinds}) in ${formatDuration((performance.now() - started) / 1000)}; cached in ${tuningCachePath()}`);
}

/**
 * A finished run confirms shipped kernel choices on this machine for this share of its own time,
 * between these bounds in seconds (the default run: about 6 s of its 5 minutes); later runs confirm the rest.
 */
const CONFIRM_SHARE = 0.02;
const CONFIRM_MIN_S = 5;
const CONFIRM_MAX_S = 60;

/** Times some of the shipped kernel choices this run used (once a run has finished), saying how many agreed. */
async function confirmWithNote(progress: Progress, runSeconds: number): Promise<void> {
  const waiting = unconfirmedShapes().length;
  progress.status(`confirming shipped kernel choices (${waiting} used in this run)…`);
  const started = performance.now();
  const budgetS = Math.min(CONFIRM_MAX_S, Math.max(CONFIRM_MIN_S, CONFIRM_SHARE * runSeconds));
  const done = await confirmShipped(budgetS * 1000);
  if (!done.length) return;
  const kept = done.filter((d) => d.choice.variant === d.shipped).length;
  const left = waiting - done.length;
  progress.note(
    `confirmed ${done.length} shipped kernel choice${done.length === 1 ? '' : 's'} in ${formatDuration((performance.now() - started) / 1000)} ` +
      `(${kept} kept, ${done.length - kept} replaced by this machine's fastest)${left ? `; ${left} left for later runs` : ''}; cached in ${tuningCachePath()}`,
  );
}

export async function train(flags: TrainFlags, o: TrainOptions): Promise<TrainOutcome> {
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const resuming = o.resume !== undefined;
  let settings: TrainSettings = resuming ? (RunDir.open(o.resume!, { resume: true }).readConfig().settings as unknown as TrainSettings) : resolveSettings(flags);
  if (resuming) checkResumeFlags(o.resume!, settings, flags);
  else if (settings.method === 'aegl' && !settings.init) {
    throw new UserError('--method aegl fine-tunes a stage-1 model: give --init <checkpoint> (e.g. runs/<a ce run>/best.safetensors from `aegl-gpu train`), or let `aegl-gpu run` train both stages');
  }
  const dir = RunDir.open(o.resume ?? o.out ?? defaultRunDir(settings), { resume: resuming });
  // A run killed before its first checkpoint starts again in place, from its config.json.
  const checkpointed = resuming && dir.hasCheckpoint;
  const runStarted = performance.now();
  const e = await initEngine({ adapter: o.adapter });
  const subsetIn = resuming && existsSync(dir.file(RUN_FILES.subset)) ? dir.file(RUN_FILES.subset) : settings.subset;
  const data = prepareData(settings, subsetIn, dir.file(RUN_FILES.subset));
  settings = withTailFrom(settings, data.classes);
  const adapter = `${e.gpu.summary.backend}:${e.gpu.summary.name} (${e.gpu.summary.description})`;
  if (!resuming) dir.writeConfig(settings as unknown as Record<string, unknown>, { seed: settings.seed, adapter });

  const session = new Session(settings, data);
  const { model, sgd, aegl } = session;
  // What eval and predict need to use a checkpoint as it was trained, in each one's metadata.
  const card = cardToMetadata({
    dataset: settings.dataset,
    classes: data.dataset.classes,
    channels: data.dataset.channels,
    height: data.dataset.height,
    width: data.dataset.width,
    normalize: data.normalize,
    model: settings.model,
    head: session.objective.normedHead ? 'normed' : 'linear',
  });
  const saveModel = (path: string) => saveCheckpoint(path, model, [], card);
  log(`aegl-gpu train: ${settings.dataset} ρ=${settings.imbalance} (${settings.profile}), ${settings.model}, method ${settings.method}${aegl ? ` on ${settings.baseLoss}` : ''}, seed ${settings.seed}`);
  log(`adapter: ${adapter}`);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  log(`train images per class: ${data.trainCounts.join(', ')} (${sum(data.trainCounts)} in all); test: ${data.testCounts.join(', ')}`);
  if (data.valCounts) log(`validation images per class: ${data.valCounts.join(', ')} (${sum(data.valCounts)}; best epoch chosen on validation)`);
  else log('no validation split: the best epoch is chosen on test, as the literature does (--val-per-class V holds one out)');
  log(`model: ${model.parameterCount().toLocaleString('en-US')} parameters; run directory: ${dir.path}`);

  let startEpoch = 0;
  let startStep = 0;
  let tracker = new BestLast();
  let predictions: TestPredictions = {};
  const resumePath = dir.file(RUN_FILES.resume);
  if (checkpointed) {
    const { metadata, rest } = loadCheckpoint(resumePath, model, readSafetensors(resumePath));
    startEpoch = Number(metadata.epoch);
    startStep = Number(metadata.step);
    session.restoreState(resumePath, rest);
    tracker = BestLast.fromRecords(dir.resumeMetrics<EpochRecord>(startEpoch));
    predictions = dir.readJson<TestPredictions>(RUN_FILES.predictions) ?? {};
    log(`resuming at epoch ${startEpoch + 1}, step ${startStep}`);
  } else {
    if (resuming) {
      dir.resumeMetrics(0);
      log('no checkpoint yet: starting the run again from epoch 1, in place');
    }
    if (settings.init) {
      loadWeights(settings.init, model, readSafetensors(settings.init));
      log(`initialised from ${settings.init} (fresh optimizer)`);
    }
  }

  const onSigint = () => {
    if (session.stopping) process.exit(130);
    session.requestStop();
    process.stderr.write('\naegl-gpu: stopping after this step (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  const onAbort = () => session.requestStop();
  o.signal?.addEventListener('abort', onAbort);
  if (o.signal?.aborted) onAbort();
  const saveResume = async (epoch: number, step: number) =>
    saveCheckpoint(resumePath, model, await session.resumeState(), { ...card, epoch: String(epoch), step: String(step), format: 'aegl-gpu resume v1' });

  const steps = data.train.numBatches(settings.batchSize);
  const progress = new Progress({ epochs: settings.epochs, stepsPerEpoch: steps, batchSize: settings.batchSize, startEpoch });
  let interrupted = false;
  try {
    for (let epoch = startEpoch; epoch < settings.epochs && !interrupted; epoch++) {
      session.objective.startEpoch(epoch);
      const order = data.train.startEpoch(epoch);
      aegl?.startEpoch(epoch, order, settings.batchSize);
      model.train();
      const first = epoch === startEpoch ? startStep : 0;
      if (first === 0) fillBits(session.lossSum, 0);
      progress.startEpoch(epoch);
      const started = performance.now();
      let taken = first;
      let images = 0;
      for (let k = first; k < steps; k++) {
        sgd.lr = session.lr(epoch, k);
        if (session.step(k)) {
          taken++;
          images += Math.min(settings.batchSize, data.train.count - k * settings.batchSize);
        }
        // Shapes first seen in this step (the first step, or an AEGL batch with a new tail count) get tuned now.
        if (tuningEnabled() && pendingShapes().length) await tuneWithNote(progress);
        // The running loss is a GPU read: only when a terminal's bar asks, every couple of seconds.
        progress.step(k + 1, progress.wantsLoss() && taken > 0 ? (await session.lossSum.item()) / taken : undefined);
        o.onStep?.(epoch, k);
        if (session.stopping && k + 1 < steps) {
          await saveModel(dir.checkpoint('last'));
          await saveResume(epoch, k + 1);
          interrupted = true;
          break;
        }
      }
      if (interrupted) break;
      progress.status(`evaluating on ${data.val ? 'validation and test' : 'test'}…`);
      const trainLoss = taken ? (await session.lossSum.item()) / taken : 0;
      const evaluate = async (split: typeof data.test) => {
        const predicted = await predict(model, split, settings.batchSize);
        return { predicted, metrics: computeMetrics(countsOf(predicted, split.hostLabels, data.classes), data.trainCounts, settings.tailFrom) };
      };
      const val = data.val ? (await evaluate(data.val)).metrics : undefined;
      const { predicted, metrics } = await evaluate(data.test);
      const gaeCounts = aegl ? Array.from(await aegl.counts.read()) : null;
      const gae = gaeCounts ? { total: 0, perClass: gaeCounts.filter((_, i) => i % 2 === 0) } : undefined;
      if (gae) gae.total = gae.perClass.reduce((a, b) => a + b, 0);
      const seconds = (performance.now() - started) / 1000;
      const record: EpochRecord = { epoch: epoch + 1, lr: session.lr(epoch, steps - 1), trainLoss, test: metrics, ...(val ? { val } : {}), gae, seconds, imagesPerSecond: images / seconds };
      const held = tracker.update(epoch + 1, metrics, val);
      // Predictions and the checkpoints first, then the metrics line: a run killed in between
      // resumes from the previous epoch and redoes this one.
      for (const sel of SELECTIONS) if (held[sel]) predictions[sel] = { epoch: epoch + 1, test: Array.from(predicted) };
      predictions.labels ??= Array.from(data.test.hostLabels);
      dir.writeJson(RUN_FILES.predictions, predictions, { compact: true });
      if (held[tracker.bestSelection]) await saveModel(dir.checkpoint('best'));
      await saveModel(dir.checkpoint('last'));
      dir.appendMetrics(record);
      dir.writeText(RUN_FILES.metricsCsv, metricsCsv(dir.readMetrics<EpochRecord>()));
      await saveResume(epoch + 1, 0);
      const valNote = val ? `val ${val.top1.toFixed(2)}%, ` : '';
      progress.endEpoch({ loss: trainLoss, top1: metrics.top1, lr: record.lr, images, note: valNote + (gae ? `GAE ${gae.total}` : `tail ${metrics.tail?.toFixed(1) ?? '—'}%`) });
      interrupted = session.stopping;
    }
    if (!interrupted && tuningEnabled() && unconfirmedShapes().length) {
      // Training's idle buffers go back first: the trials' inputs would otherwise come on top of them.
      e.pool.trim();
      await confirmWithNote(progress, (performance.now() - runStarted) / 1000);
    }
  } finally {
    process.off('SIGINT', onSigint);
    o.signal?.removeEventListener('abort', onAbort);
  }
  // The report and summary below read only host data.
  session.dispose();

  const records = dir.readMetrics<EpochRecord>();
  if (records.length) writeReport(dir.path, runReportInput(settings, data.trainCounts, records, data.dataset.classes));
  const summary = (l: { epoch: number; metrics: EvalMetrics } | null): EpochSummary =>
    l ? { ...l.metrics, epoch: l.epoch } : { ...computeMetrics([], []), epoch: 0 };
  if (tracker.best) log(`${tracker.bestSelection} epoch ${tracker.best.epoch}: test top-1 ${tracker.best.metrics.top1.toFixed(2)}%; last epoch ${tracker.last!.epoch}: test top-1 ${tracker.last!.metrics.top1.toFixed(2)}%`);
  if (interrupted) log(`interrupted: continue with \`aegl-gpu train --resume ${dir.path}\``);
  else {
    const selections = Object.fromEntries(SELECTIONS.map((sel) => [sel, tracker.get(sel) ?? undefined]));
    dir.writeJson(RUN_FILES.result, { bestSelection: tracker.bestSelection, trainCounts: data.trainCounts, valCounts: data.valCounts, classNames: data.dataset.classes, selections } satisfies RunResult);
  }
  return { dir: dir.path, settings, trainCounts: data.trainCounts, best: summary(tracker.best), bestSelection: tracker.bestSelection, last: summary(tracker.last), classNames: data.dataset.classes, interrupted };
}
