// Training settings: every flag of `aegl-gpu train`, its default per dataset and method, and the
// checks that turn a bad value into a one-line error naming the flag.
import { UserError } from '../../errors.js';
import { DATASETS, type DatasetName } from '../../data/load.js';
import { defaultSubsetRng, SUBSET_RNGS, type SubsetRng } from '../../data/long-tail.js';
import { MODELS, type ModelName } from '../../nn/models/index.js';
import { DRW_EPOCH } from './schedule.js';

export { MODELS, type ModelName };

export const BASE_LOSSES = ['ce', 'drw', 'ldam', 'ldam-drw'] as const;
export const METHODS = [...BASE_LOSSES, 'aegl'] as const;
export const SCHEDULES = ['ldam-drw', 'cosine', 'aegl'] as const;

export type BaseLoss = (typeof BASE_LOSSES)[number];
export type Method = (typeof METHODS)[number];

export interface TrainSettings {
  dataset: DatasetName;
  dataDir?: string;
  /** --dataset folder: the side images are resized and centre-cropped to (default: the first image's size). */
  imageSize?: number;
  imbalance: number;
  profile: 'exp' | 'step';
  /** A long-tail subset index file to use instead of sampling (written by every run). */
  subset?: string;
  /** Seed of the subset and validation draws, apart from the training seed (LDAM-DRW fixes it at 0). */
  subsetSeed: number;
  subsetRng: SubsetRng;
  /** Images per class held out for validation (0: none; `best` is then chosen on test). */
  valPerClass: number;
  model: ModelName;
  method: Method;
  /** The loss AEGL adds its GAE term to (the baselines' own loss otherwise). */
  baseLoss: BaseLoss;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  schedule: (typeof SCHEDULES)[number];
  warmupEpochs: number;
  /** 0-based epoch from which DRW re-weights (the reference's 160 of 200). */
  drwEpoch: number;
  augment: boolean;
  normalize: boolean;
  seed: number;
  /** Start from these weights with a fresh optimizer. */
  init?: string;
  // AEGL
  steps: number;
  tailFrom: number;
  eps: number;
  alpha: number;
  protocol: 'default' | 'official';
  freezeBn: boolean;
}

/** What a user may pass; anything missing gets the dataset's and method's defaults. */
export type TrainFlags = Partial<Record<keyof TrainSettings, string | number | boolean | undefined>>;

function oneOf<T extends string>(flag: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UserError(`--${flag} ${String(value)}: expected one of ${allowed.join(', ')}`);
}

/** A number, or a fraction such as 2/255 (how attack radii are usually written). */
function parseNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  const fraction = /^\s*([^/]+)\/([^/]+)$/.exec(String(value));
  return fraction ? Number(fraction[1]) / Number(fraction[2]) : Number(value);
}

function number(flag: string, value: unknown, check: (v: number) => boolean, what: string): number {
  const v = parseNumber(value);
  if (value === '' || value === undefined || !Number.isFinite(v) || !check(v)) throw new UserError(`--${flag} ${String(value)}: expected ${what}`);
  return v;
}

const positiveInt = (flag: string, v: unknown) => number(flag, v, (x) => Number.isInteger(x) && x > 0, 'a positive integer');

/**
 * The Fashion-MNIST fine-tune. Its 10-epoch CE model is far less head-biased than CIFAR's
 * 200-epoch one, and the released lr 0.001 overshoots into the tail there. Chosen on a validation
 * split (500 images per class, seed 0, ρ = 0.01): lr 1e-3, 1e-4, 1e-5 for 3 epochs reached
 * validation top-1 85.24, 86.14 and 86.64 %, each at its first epoch
 * (docs/results/fmnist-row/README.md; docs/AEGL-FMNIST.md has the older sweep, read on test).
 * Three epochs keep the released code's fine-tune/stage-1 ratio (60 of 200 epochs), and the
 * val-selected epoch picks among them.
 */
const FASHION_AEGL = { epochs: 3, lr: 1e-5 };

/** train_adv.py's default fine-tune length (`--epochs 200`). */
const OFFICIAL_AEGL_EPOCHS = 200;

/**
 * Defaults. CIFAR: the LDAM-DRW recipe (ResNet-32, 200 epochs, lr 0.1 with 5 warm-up epochs,
 * ×0.01 after 160 and ×0.0001 after 180, DRW from 160, crop + flip). Fashion-MNIST: the small CNN
 * with a 10-epoch cosine schedule (one warm-up epoch, per step), sized to finish in about ten minutes on a 2-core CPU adapter.
 * AEGL: the released code's fine-tune (lr 0.001 with its 10/30/60 steps, 60 epochs, batch 128);
 * on Fashion-MNIST, FASHION_AEGL.
 */
export function resolveSettings(flags: TrainFlags): TrainSettings {
  const dataset = oneOf('dataset', flags.dataset ?? 'fmnist', DATASETS);
  const method = oneOf('method', flags.method ?? 'ce', METHODS);
  const official = oneOf('protocol', flags.protocol ?? 'default', ['default', 'official'] as const) === 'official';
  const fashion = dataset === 'fmnist';
  const aegl = method === 'aegl';
  // The released fine-tune runs 200 epochs (its --epochs default); our clean default stops at 60.
  const aeglEpochs = official ? OFFICIAL_AEGL_EPOCHS : fashion ? FASHION_AEGL.epochs : 60;
  const epochs = positiveInt('epochs', flags.epochs ?? (aegl ? aeglEpochs : fashion ? 10 : 200));
  const schedule = oneOf('schedule', flags.schedule ?? (aegl ? 'aegl' : fashion ? 'cosine' : 'ldam-drw'), SCHEDULES);
  const eps = number('eps', flags.eps ?? 1 / 255, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
  const s: TrainSettings = {
    dataset,
    dataDir: flags.dataDir as string | undefined,
    imageSize: flags.imageSize === undefined ? undefined : positiveInt('image-size', flags.imageSize),
    imbalance: number('imbalance', flags.imbalance ?? 0.01, (v) => v > 0 && v <= 1, 'a ratio in (0, 1]'),
    profile: oneOf('profile', flags.profile ?? 'exp', ['exp', 'step'] as const),
    subset: flags.subset as string | undefined,
    subsetSeed: number('subset-seed', flags.subsetSeed ?? 0, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'an integer in [0, 2³²)'),
    subsetRng: oneOf('subset-rng', flags.subsetRng ?? defaultSubsetRng(dataset), SUBSET_RNGS),
    valPerClass: number('val-per-class', flags.valPerClass ?? 0, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'),
    model: oneOf('model', flags.model ?? (fashion ? 'cnn' : 'resnet32'), MODELS),
    method,
    baseLoss: oneOf('base-loss', flags.baseLoss ?? (aegl ? 'ce' : method), BASE_LOSSES),
    epochs,
    batchSize: positiveInt('batch-size', flags.batchSize ?? 128),
    lr: number('lr', flags.lr ?? (aegl ? (fashion ? FASHION_AEGL.lr : 0.001) : fashion ? 0.05 : 0.1), (v) => v > 0, 'a positive number'),
    momentum: number('momentum', flags.momentum ?? 0.9, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    weightDecay: number('weight-decay', flags.weightDecay ?? (fashion ? 5e-4 : 2e-4), (v) => v >= 0, 'a non-negative number'),
    schedule,
    warmupEpochs: number('warmup-epochs', flags.warmupEpochs ?? (schedule === 'ldam-drw' ? 5 : schedule === 'cosine' ? 1 : 0), (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'),
    // train_adv.py switches DRW on at epoch 160 of the fine-tune, however long it runs.
    drwEpoch: number('drw-epoch', flags.drwEpoch ?? (aegl && official ? DRW_EPOCH : Math.floor(epochs * 0.8)), (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'),
    augment: flags.augment === undefined ? !fashion : Boolean(flags.augment),
    normalize: Boolean(flags.normalize ?? false),
    seed: number('seed', flags.seed ?? 0, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'an integer in [0, 2³²)'),
    init: flags.init as string | undefined,
    steps: number('steps', flags.steps ?? (official ? 8 : 3), (v) => Number.isInteger(v) && v >= 1, 'a positive integer'),
    tailFrom: 0,
    eps,
    alpha: number('alpha', flags.alpha ?? eps / 8, (v) => v > 0, 'a positive number'),
    protocol: official ? 'official' : 'default',
    freezeBn: Boolean(flags.freezeBn ?? false),
  };
  if (s.imageSize !== undefined && dataset !== 'folder') throw new UserError(`--image-size ${s.imageSize}: only for --dataset folder (${dataset} has one image size)`);
  // The attack steps and clips in [0, 1] pixel space; on normalised inputs ε would mean another
  // radius per channel and the clip would cut the wrong range.
  if (aegl && s.normalize) throw new UserError('--normalize with --method aegl: the attack works in pixel space ([0, 1], ε = 1/255 by default) and is not defined on normalised inputs; drop --normalize');
  // Resolved against the class count once the dataset is read (see withTailFrom).
  s.tailFrom = flags.tailFrom === undefined ? -1 : number('tail-from', flags.tailFrom, (v) => Number.isInteger(v) && v >= 1, 'a class index ≥ 1');
  if (official && s.tailFrom === -1) s.tailFrom = 5; // the released code hard-codes labels ≥ 5
  return s;
}

/** Fills the tail boundary (default ⌈C/2⌉) and checks it against the dataset's class count. */
export function withTailFrom(s: TrainSettings, classes: number): TrainSettings {
  const tailFrom = s.tailFrom === -1 ? Math.ceil(classes / 2) : s.tailFrom;
  if (tailFrom >= classes) throw new UserError(`--tail-from ${tailFrom}: the dataset has only ${classes} classes`);
  return { ...s, tailFrom };
}
