// What inference needs to know about a trained model, kept as strings in the checkpoint's
// safetensors `__metadata__` (PyTorch reads it with safe_open(…).metadata()): the dataset and its
// class names, the input shape, the input normalisation it was trained with, the architecture
// and its head. A checkpoint without it (a PyTorch export) gets a card inferred from its tensor
// names and the dataset it is evaluated on, with no normalisation, as the AEGL code trains.
import type { ImageShape } from '../../data/dataset.js';
import { UserError } from '../../errors.js';
import { MODELS, type ModelName } from '../../nn/models/index.js';

export interface ModelCard extends ImageShape {
  dataset: string;
  classes: string[];
  /** Per-channel mean and std of [0, 1] pixels subtracted and divided before the model; null: none. */
  normalize: { mean: number[]; std: number[] } | null;
  model: ModelName;
  /** linear: nn.Linear with bias; normed: LDAM's cosine classifier (no bias). */
  head: 'linear' | 'normed';
}

const FORMAT = 'aegl-gpu model v1';

export function cardToMetadata(card: ModelCard): Record<string, string> {
  return {
    format: FORMAT,
    model: card.model,
    head: card.head,
    dataset: card.dataset,
    classes: JSON.stringify(card.classes),
    input: `${card.channels}x${card.height}x${card.width}`,
    normalize: card.normalize ? JSON.stringify(card.normalize) : 'none',
  };
}

/** The card in a checkpoint's metadata; null when it has none (not written by aegl-gpu, or older). */
export function cardFromMetadata(path: string, metadata: Record<string, string>): ModelCard | null {
  if (metadata.model === undefined) return null;
  const bad = (key: string) => new UserError(`${path}: metadata "${key}" is malformed (${JSON.stringify(metadata[key])})`);
  const model = metadata.model as ModelName;
  if (!(MODELS as readonly string[]).includes(model)) throw bad('model');
  const head = metadata.head;
  if (head !== 'linear' && head !== 'normed') throw bad('head');
  const input = /^(\d+)x(\d+)x(\d+)$/.exec(metadata.input ?? '');
  if (!input) throw bad('input');
  const [channels, height, width] = input.slice(1).map(Number);
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key] ?? '');
    } catch {
      throw bad(key);
    }
  };
  const classes = parse('classes');
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) throw bad('classes');
  let normalize: ModelCard['normalize'] = null;
  if (metadata.normalize !== 'none') {
    const n = parse('normalize') as ModelCard['normalize'];
    const stats = (xs: unknown) => Array.isArray(xs) && xs.length === channels && xs.every((x) => Number.isFinite(x));
    if (!n || !stats(n.mean) || !stats(n.std) || n.std.some((s) => s <= 0)) throw bad('normalize');
    normalize = { mean: n.mean, std: n.std };
  }
  return { dataset: metadata.dataset ?? '', classes, channels, height, width, normalize, model, head };
}

/** resnet32 or cnn, and the head, from the tensor names of a checkpoint without a card. */
export function architectureOf(path: string, names: ReadonlySet<string>): Pick<ModelCard, 'model' | 'head'> {
  if (names.has('layer1.0.conv1.weight')) return { model: 'resnet32', head: names.has('linear.bias') ? 'linear' : 'normed' };
  if (names.has('fc1.weight')) return { model: 'cnn', head: names.has('fc2.bias') ? 'linear' : 'normed' };
  throw new UserError(`${path}: neither a ResNet-32 (layer1.0.conv1.weight) nor the Fashion-MNIST CNN (fc1.weight)`);
}
