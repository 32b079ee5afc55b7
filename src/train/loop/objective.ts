// The training loss of each baseline (Cao et al. 2019): CE, CE+DRW, LDAM, LDAM+DRW. DRW swaps in
// class-balanced weights from its epoch; LDAM subtracts per-class margins at the label and scales
// the cosine logits by s = 30 before the cross-entropy.
import { ldamLogits } from '../../ops/ldam.js';
import { crossEntropy } from '../../ops/loss.js';
import { Tensor } from '../../tensor.js';
import { classBalancedWeights, ldamMargins } from './class-weights.js';
import type { BaseLoss } from './config.js';
import { drwBeta } from './schedule.js';

const LDAM_SCALE = 30;

export class Objective {
  /** LDAM needs the cosine classifier head. */
  readonly normedHead: boolean;
  private readonly margins: Tensor | null;
  private weights: Tensor | null = null;

  constructor(
    readonly kind: BaseLoss,
    private readonly trainCounts: readonly number[],
    private readonly drwEpoch: number,
  ) {
    this.normedHead = kind === 'ldam' || kind === 'ldam-drw';
    this.margins = this.normedHead ? Tensor.from(ldamMargins(trainCounts), [trainCounts.length]).keep() : null;
  }

  /** Sets the epoch's class weights (DRW: all 1 before its epoch, class-balanced after). */
  startEpoch(epoch: number): void {
    const reweight = (this.kind === 'drw' || this.kind === 'ldam-drw') && drwBeta(epoch, this.drwEpoch) > 0;
    if (reweight && !this.weights) {
      this.weights = Tensor.from(classBalancedWeights(this.trainCounts), [this.trainCounts.length]).keep();
    } else if (!reweight && this.weights) {
      this.weights.dispose();
      this.weights = null;
    }
  }

  dispose(): void {
    this.margins?.dispose();
    this.weights?.dispose();
  }

  /** Mean loss over the batch, or over the rows where mask is 1 (0 when there is none). */
  loss(logits: Tensor, labels: Tensor, mask?: Tensor): Tensor {
    const scores = this.margins ? ldamLogits(logits, labels, this.margins, LDAM_SCALE) : logits;
    return crossEntropy(scores, labels, { weights: this.weights ?? undefined, mask });
  }
}
