// A training run's GPU-side state: model, objective, optimizer, AEGL, the lr schedule and the
// epoch's loss sum; one recorded step at a time, and what --resume needs to continue exactly.
import { engine } from '../../gpu/engine.js';
import { BatchNorm2d } from '../../nn/layers.js';
import { buildModel } from '../../nn/models/index.js';
import type { Module } from '../../nn/module.js';
import { addInPlace } from '../../ops/elementwise.js';
import { SGD } from '../../ops/optim.js';
import { Tensor, tidy } from '../../tensor.js';
import { loadInto, tensorsToSafe } from '../run-io/checkpoint.js';
import type { SafeTensor } from '../run-io/safetensors.js';
import { Aegl } from './aegl.js';
import type { TrainSettings } from './config.js';
import { Objective } from './objective.js';
import { aeglSchedule, cosineSchedule, ldamDrwSchedule, type LrSchedule } from './schedule.js';
import { trainStep } from './step.js';
import type { TrainingData } from './training-data.js';

function schedule(s: TrainSettings, stepsPerEpoch: number): LrSchedule {
  if (s.schedule === 'aegl') return aeglSchedule(s.lr, s.protocol);
  if (s.schedule === 'cosine') return cosineSchedule(s.lr, { epochs: s.epochs, warmup: s.warmupEpochs, stepsPerEpoch });
  return ldamDrwSchedule(s.lr, { warmup: s.warmupEpochs });
}

export class Session {
  readonly model: Module;
  readonly objective: Objective;
  readonly sgd: SGD;
  readonly aegl: Aegl | null;
  readonly lossSum = Tensor.zeros([1]).keep();
  readonly lr: LrSchedule;
  private stopRequested = false;

  constructor(
    readonly s: TrainSettings,
    readonly data: TrainingData,
  ) {
    this.objective = new Objective(s.method === 'aegl' ? s.baseLoss : s.method, data.trainCounts, s.drwEpoch);
    this.model = buildModel(s.model, data.dataset, data.classes, { normedHead: this.objective.normedHead, seed: s.seed });
    if (s.freezeBn) for (const m of this.model.modules()) if (m instanceof BatchNorm2d) m.frozen = true;
    this.sgd = new SGD(this.model.parameters(), { lr: s.lr, momentum: s.momentum, weightDecay: s.weightDecay });
    this.aegl = s.method === 'aegl' ? new Aegl(s, data.trainLabels, data.classes) : null;
    this.lr = schedule(s, data.train.numBatches(s.batchSize));
  }

  requestStop(): void {
    this.stopRequested = true;
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Records one training step; false when the official protocol skips a batch with no tail example. */
  step(k: number): boolean {
    const { s, data, aegl } = this;
    if (aegl?.official && aegl.tailCount(k) === 0) return false;
    tidy(() => addInPlace(this.lossSum, trainStep(this, data.train.batch(k, s.batchSize, { augment: s.augment }), k)));
    engine().flush();
    return true;
  }

  /** Returns every buffer of the run to the pool (pipelines train several runs in one process). */
  dispose(): void {
    for (const [, t] of this.model.namedState()) t.dispose();
    this.sgd.dispose();
    this.aegl?.dispose();
    this.objective.dispose();
    this.lossSum.dispose();
    this.data.train.dispose();
    this.data.val?.dispose();
    this.data.test.dispose();
  }

  /** Everything --resume needs beyond the model: momentum buffers and the epoch's partial sums. */
  async resumeState(): Promise<SafeTensor[]> {
    const named = this.sgd.stateTensors().map((t, i): [string, Tensor] => [`optimizer.momentum.${i}`, t]);
    named.push(['state.loss_sum', this.lossSum]);
    const out = await tensorsToSafe(named);
    if (this.aegl) out.push({ name: 'state.gae_counts', dtype: 'U32', shape: [...this.aegl.counts.shape], data: new Uint32Array(await engine().read(this.aegl.counts)) });
    return out;
  }

  restoreState(path: string, rest: Map<string, SafeTensor>): void {
    this.sgd.stateTensors().forEach((t, i) => loadInto(path, rest.get(`optimizer.momentum.${i}`), `optimizer.momentum.${i}`, t));
    this.sgd.markStarted();
    loadInto(path, rest.get('state.loss_sum'), 'state.loss_sum', this.lossSum);
    const gae = rest.get('state.gae_counts');
    if (this.aegl && gae) engine().upload(this.aegl.counts, gae.data);
  }
}

