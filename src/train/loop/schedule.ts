// Learning-rate schedules as pure functions. Epochs are 0-based, like the `epoch` loop variable of
// the reference code (kaidic/LDAM-DRW cifar_train.py), so its off-by-ones carry over verbatim;
// user-facing output counts from 1.
import { DRW_BETA } from './class-weights.js';

/** The learning rate for a 0-based epoch and, for schedules that move within an epoch, a step. */
export type LrSchedule = (epoch: number, step?: number) => number;

/** The epoch (0-based) from which DRW re-weights: `idx = epoch // 160` in the reference. */
export const DRW_EPOCH = 160;

/** β for the class-balanced weights of this epoch: 0 (all weights 1) before the DRW epoch. */
export function drwBeta(epoch: number, drwEpoch = DRW_EPOCH): number {
  return epoch >= drwEpoch ? DRW_BETA : 0;
}

/**
 * The LDAM-DRW CIFAR schedule, as `adjust_learning_rate`: with e = epoch + 1, lr·e/5 for e ≤ 5
 * (linear warm-up), lr·0.0001 for e > 180, lr·0.01 for e > 160, else lr. In 0-based epochs:
 * warm-up on 0–4, base on 5–159, ×0.01 on 160–179, ×0.0001 from 180.
 */
export function ldamDrwSchedule(lr = 0.1, { warmup = 5, decay1 = 160, decay2 = 180 } = {}): LrSchedule {
  return (epoch) => {
    const e = epoch + 1;
    if (e <= warmup) return (lr * e) / warmup;
    if (e > decay2) return lr * 0.0001;
    if (e > decay1) return lr * 0.01;
    return lr;
  };
}

/**
 * The AEGL fine-tune. Default: lr for 1-based epochs 1–10, lr/10 to 30, lr/100 from 31 on (with the
 * default lr 0.001: 1e-3, 1e-4, 1e-5). `official` is the released train_adv.py's
 * adjust_learning_rate, which tests `epoch + 1 <= 10`, `< 30`, `< 60` and falls through to its start
 * value: 0-based epochs 0–9 lr, 10–28 lr/10, 29–58 lr/100, and from 59 on lr again.
 */
export function aeglSchedule(lr = 0.001, protocol: 'default' | 'official' = 'default'): LrSchedule {
  if (protocol === 'official') {
    return (epoch) => {
      const e = epoch + 1;
      if (e <= 10) return lr;
      if (e < 30) return lr * 0.1;
      if (e < 60) return lr * 0.01;
      return lr;
    };
  }
  return (epoch) => (epoch < 10 ? lr : epoch < 30 ? lr * 0.1 : lr * 0.01);
}

/** lr × gamma^(number of milestones ≤ epoch), like torch.optim.lr_scheduler.MultiStepLR. */
export function stepSchedule(lr: number, milestones: readonly number[], gamma = 0.1): LrSchedule {
  return (epoch) => lr * gamma ** milestones.filter((m) => epoch >= m).length;
}

/**
 * Cosine annealing from lr to minLr over `epochs`, per step when stepsPerEpoch is given (like
 * CosineAnnealingLR stepped every batch), after an optional linear warm-up of `warmup` epochs.
 */
export function cosineSchedule(
  lr: number,
  { epochs, stepsPerEpoch = 1, minLr = 0, warmup = 0 }: { epochs: number; stepsPerEpoch?: number; minLr?: number; warmup?: number },
): LrSchedule {
  return (epoch, step = 0) => {
    const t = epoch + step / stepsPerEpoch;
    if (t < warmup) return (lr * (t + 1 / stepsPerEpoch)) / warmup;
    const span = Math.max(epochs - warmup, 1e-12);
    const progress = Math.min(Math.max((t - warmup) / span, 0), 1);
    return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}
