// Test-set metrics from the per-class counts the GPU accumulates (u32 [2·C]: correct, total per
// class), read once per epoch. Accuracies are percentages, as the literature reports them.

/** The many/medium/few-shot split of Liu et al. (OLTR), used by the long-tail literature. */
export const MANY_SHOT_ABOVE = 100;
export const FEW_SHOT_BELOW = 20;

export interface EvalMetrics {
  /** Σ correct / Σ total, %. */
  top1: number;
  correct: number;
  total: number;
  /** Accuracy of each class, %; null for a class with no test images. */
  perClass: (number | null)[];
  /** Mean per-class accuracy over classes with > 100, 20–100 and < 20 training images; null if none. */
  many: number | null;
  medium: number | null;
  few: number | null;
  /** Mean per-class accuracy of classes < tailFrom (head) and ≥ tailFrom (tail). */
  head: number | null;
  tail: number | null;
}

const mean = (xs: (number | null)[]): number | null => {
  const present = xs.filter((x): x is number => x !== null);
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
};

/**
 * counts: [correct₀, total₀, correct₁, total₁, …]; trainCounts: training images per class.
 * Group accuracies average the per-class accuracies (as OLTR's shot_acc), so a group is not
 * dominated by its largest test class. tailFrom defaults to ⌈C/2⌉ (DESIGN.md's head/tail halves).
 */
export function computeMetrics(counts: ArrayLike<number>, trainCounts: ArrayLike<number>, tailFrom?: number): EvalMetrics {
  const classes = trainCounts.length;
  if (counts.length !== 2 * classes) throw new Error(`computeMetrics: ${counts.length} counts for ${classes} classes (want 2·C)`);
  const split = tailFrom ?? Math.ceil(classes / 2);
  let correct = 0;
  let total = 0;
  const perClass: (number | null)[] = [];
  for (let c = 0; c < classes; c++) {
    const [k, n] = [counts[2 * c], counts[2 * c + 1]];
    correct += k;
    total += n;
    perClass.push(n > 0 ? (100 * k) / n : null);
  }
  const group = (keep: (c: number) => boolean) => mean(perClass.filter((_, c) => keep(c)));
  const shots = (c: number) => trainCounts[c];
  return {
    top1: total > 0 ? (100 * correct) / total : 0,
    correct,
    total,
    perClass,
    many: group((c) => shots(c) > MANY_SHOT_ABOVE),
    medium: group((c) => shots(c) >= FEW_SHOT_BELOW && shots(c) <= MANY_SHOT_ABOVE),
    few: group((c) => shots(c) < FEW_SHOT_BELOW),
    head: group((c) => c < split),
    tail: group((c) => c >= split),
  };
}

/** One line of metrics.jsonl: what the report reads back. Trainers may add fields. */
export interface EpochRecord {
  /** 1-based, as printed. */
  epoch: number;
  lr: number;
  trainLoss: number;
  test: EvalMetrics;
  /** Guiding adversarial examples found this epoch (AEGL only): total and per class. */
  gae?: { total: number; perClass: number[] };
  seconds?: number;
  imagesPerSecond?: number;
}

export interface Labelled {
  epoch: number;
  metrics: EvalMetrics;
}

/**
 * Best-epoch (highest top-1; the first one on ties, as the reference's `acc1 > best_acc1`) and
 * last-epoch results, both kept so reports can label which is which.
 */
export class BestLast {
  best: Labelled | null = null;
  last: Labelled | null = null;

  /** Records an epoch; true when it is the new best (write best.safetensors then). */
  update(epoch: number, metrics: EvalMetrics): boolean {
    this.last = { epoch, metrics };
    const isBest = !this.best || metrics.top1 > this.best.metrics.top1;
    if (isBest) this.best = this.last;
    return isBest;
  }

  /** Rebuilds the tracker from metrics.jsonl lines (on --resume). */
  static fromRecords(records: readonly Pick<EpochRecord, 'epoch' | 'test'>[]): BestLast {
    const t = new BestLast();
    for (const r of records) t.update(r.epoch, r.test);
    return t;
  }
}
