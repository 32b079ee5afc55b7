// AEGL's per-batch work: pick the tail examples of the batch, attack them with PGD (batch norm in
// inference mode, gradients with respect to the input only), mark the guiding adversarial
// examples (GAEs) and return the extra loss term: the mean CE of the GAEs against their labels.
// Which rows of a batch are tail is known on the host (labels and epoch order are), so each
// epoch uploads its tail positions once and a step needs no host round trip. The tail count
// varies from batch to batch: no kernel is specialised on the batch (a new count compiles
// nothing), and a step records under sizedForStep, so the buffer pool sees a few sizes.
import { backward, noGrad } from '../../autograd.js';
import { countGaes, markGaes, pgdRandomStart, pgdStep, type GaeFilter } from '../../ops/attack.js';
import { crossEntropy } from '../../ops/loss.js';
import { gatherRows } from '../../ops/gather.js';
import { add } from '../../ops/elementwise.js';
import { concatRows, sliceRows } from '../../ops/shape.js';
import type { Module } from '../../nn/module.js';
import { RngStream } from '../../rng-streams.js';
import { randU32 } from '../../rng.js';
import { fillBits, Tensor, tidy, withRowCapacity } from '../../tensor.js';
import type { TrainSettings } from './config.js';
import type { Objective } from './objective.js';

/** What the attack reads of a run's settings (a page passes just these). */
export type AttackSettings = Pick<TrainSettings, 'seed' | 'steps' | 'eps' | 'alpha' | 'tailFrom' | 'protocol'>;

/**
 * A step's tensors of the attacked rows (and of the batch they join) get buffers for a multiple of
 * this many rows: ⌈max tail count / 8⌉ buffer sizes in all, while only the real rows are computed.
 */
export const ATTACK_ROWS_STEP = 8;

/** The attacked rows of a batch: its tail examples. */
export interface Attacked {
  xClean: Tensor;
  xAdv: Tensor;
  yTail: Tensor;
  /** 1 for the GAEs, else 0. */
  mark: Tensor;
}

export class Aegl {
  readonly filter: GaeFilter;
  /** Per class: [GAEs, tail examples that never crossed], accumulated over the epoch. */
  readonly counts: Tensor;
  private positions: Tensor | null = null;
  private offsets: number[] = [];
  private epoch = 0;
  private batches = 0;

  /** `rowsStep`: buffers of the attacked rows are sized for a multiple of it (1: the exact rows, for the tests that compare). */
  constructor(
    private readonly settings: AttackSettings,
    private readonly trainLabels: ArrayLike<number>,
    classes: number,
    private readonly rowsStep = ATTACK_ROWS_STEP,
  ) {
    this.filter = { classes, tailFrom: settings.tailFrom, official: settings.protocol === 'official' };
    this.counts = Tensor.zeros([2 * classes], 'u32').keep();
  }

  get official(): boolean {
    return this.filter.official;
  }

  /** Uploads where each batch's tail examples sit, for the epoch order the dataset returned. */
  startEpoch(epoch: number, order: ArrayLike<number>, batchSize: number): void {
    const positions: number[] = [];
    this.offsets = [0];
    for (let first = 0; first < order.length; first += batchSize) {
      const n = Math.min(batchSize, order.length - first);
      for (let r = 0; r < n; r++) if (this.trainLabels[order[first + r]] >= this.filter.tailFrom) positions.push(r);
      this.offsets.push(positions.length);
    }
    this.positions?.dispose();
    this.positions = Tensor.from(positions.length ? positions : [0], [Math.max(1, positions.length)], 'u32').keep();
    this.epoch = epoch;
    this.batches = this.offsets.length - 1;
    fillBits(this.counts, 0);
  }

  /** Tail examples in batch k of this epoch. */
  tailCount(k: number): number {
    return this.offsets[k + 1] - this.offsets[k];
  }

  /**
   * Records `fn`, the training step on batch k of `batchRows` rows, with the tensors of its
   * attacked rows and of the batch they join in buffers for a multiple of the rows step (see
   * withRowCapacity): a step whose tail count is new creates no buffer when one of the same step
   * has run.
   */
  sizedForStep<T>(k: number, batchRows: number, fn: () => T): T {
    const rows = this.tailCount(k);
    return rows ? withRowCapacity([rows, batchRows + rows], this.rowsStep, fn) : fn();
  }

  /**
   * PGD on the tail examples of batch k (batch norm in inference mode, ∂L/∂x only): the clean
   * and final adversarial tail images, their labels, and the GAE mark. Null without tail
   * examples. Leaves the model in eval mode under the official protocol (the released code never
   * switches back), in its previous mode otherwise.
   */
  attack(k: number, model: Module, x: Tensor, y: Tensor): Attacked | null {
    const rows = this.tailCount(k);
    if (rows === 0 || !this.positions) return null;
    const s = this.settings;
    const xClean = gatherRows(x, this.positions, this.offsets[k], rows);
    const yTail = gatherRows(y, this.positions, this.offsets[k], rows);
    const mark = Tensor.zeros([rows]);
    const wasTraining = model.training;
    model.eval();
    const seed = randU32(s.seed, RngStream.pgdRandomStart, this.epoch * this.batches + k);
    let xAdv = pgdRandomStart(xClean, s.eps, seed, 0);
    for (let t = 0; t < s.steps; t++) {
      // Each PGD step's activations and gradients go back to the pool before the next step (and
      // before the training forward): only the new iterate leaves the scope.
      const next = tidy(() => {
        xAdv.requiresGrad = true;
        const logits = model.forward(xAdv);
        markGaes(logits, yTail, mark, this.filter);
        const grad = backward(crossEntropy(logits, yTail), { inputs: [xAdv] }).get(xAdv);
        if (!grad) throw new Error('AEGL: the attack loss does not depend on the input');
        return pgdStep(xAdv, xClean, grad, s.eps, s.alpha);
      });
      xAdv.dispose();
      xAdv = next;
    }
    // The released code never looks at the final iterate; the default does.
    if (!this.official) tidy(() => noGrad(() => markGaes(model.forward(xAdv), yTail, mark, this.filter)));
    countGaes(yTail, mark, this.counts, this.filter);
    if (!this.official) model.train(wasTraining);
    return { xClean, xAdv, yTail, mark };
  }

  /**
   * The training loss of batch k with AEGL: base loss of the batch plus the mean base loss of
   * the GAEs against their labels (0 when none). By default the adversarial tail images go
   * through the model in the same forward as the clean batch, so batch norm normalises (and
   * updates its running statistics) over the whole batch, never over a few tail images alone.
   * The official protocol keeps train_adv.py's order: the clean forward before the attack (so in
   * each epoch's first batch it runs in train mode and updates the running statistics; the attack
   * then leaves eval mode on for the rest of the epoch), the GAE forward after it on its own.
   */
  loss(k: number, model: Module, objective: Objective, x: Tensor, y: Tensor): Tensor {
    if (this.official) {
      const base = objective.loss(model.forward(x), y);
      const a = this.attack(k, model, x, y);
      return a ? add(base, objective.loss(model.forward(a.xAdv), a.yTail, a.mark)) : base;
    }
    const a = this.attack(k, model, x, y);
    if (!a) return objective.loss(model.forward(x), y);
    const rows = x.shape[0];
    const logits = model.forward(concatRows(x, a.xAdv));
    const base = objective.loss(sliceRows(logits, 0, rows), y);
    return add(base, objective.loss(sliceRows(logits, rows, a.yTail.size), a.yTail, a.mark));
  }

  dispose(): void {
    this.positions?.dispose();
    this.counts.dispose();
  }
}
