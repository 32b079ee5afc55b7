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
  /** Validation metrics, when the run holds out a validation split. */
  val?: EvalMetrics;
  /** Guiding adversarial examples found this epoch (AEGL only): total and per class. */
  gae?: { total: number; perClass: number[] };
  seconds?: number;
  imagesPerSecond?: number;
}

/** One epoch's test metrics (and validation metrics, with a split). */
export interface Labelled {
  epoch: number;
  metrics: EvalMetrics;
  val?: EvalMetrics;
}

/** How an epoch was picked: best validation top-1, best test top-1 (as the literature), or the final one. */
export const SELECTIONS = ['val-selected', 'test-selected', 'last'] as const;
export type Selection = (typeof SELECTIONS)[number];

/**
 * The epochs a run reports: best on validation (with a split), best on test (what the literature
 * reports), and last. Ties keep the first epoch, as the reference's `acc1 > best_acc1`.
 */
export class BestLast {
  private readonly picked: Partial<Record<Selection, Labelled>> = {};

  /** Records an epoch; says which selections it now holds (write their checkpoint/predictions then). */
  update(epoch: number, metrics: EvalMetrics, val?: EvalMetrics): Record<Selection, boolean> {
    const e: Labelled = val ? { epoch, metrics, val } : { epoch, metrics };
    const p = this.picked;
    const isVal = !!val && (!p['val-selected'] || val.top1 > p['val-selected'].val!.top1);
    const isTest = !p['test-selected'] || metrics.top1 > p['test-selected'].metrics.top1;
    if (isVal) p['val-selected'] = e;
    if (isTest) p['test-selected'] = e;
    p.last = e;
    return { 'val-selected': isVal, 'test-selected': isTest, last: true };
  }

  get(selection: Selection): Labelled | null {
    return this.picked[selection] ?? null;
  }

  /** The run's chosen epoch: best on validation where there is a split, else best on test. */
  get bestSelection(): Selection {
    return this.picked['val-selected'] ? 'val-selected' : 'test-selected';
  }

  get best(): Labelled | null {
    return this.get(this.bestSelection);
  }

  get last(): Labelled | null {
    return this.get('last');
  }

  /** Rebuilds the tracker from metrics.jsonl lines (on --resume). */
  static fromRecords(records: readonly Pick<EpochRecord, 'epoch' | 'test' | 'val'>[]): BestLast {
    const t = new BestLast();
    for (const r of records) t.update(r.epoch, r.test, r.val);
    return t;
  }
}
