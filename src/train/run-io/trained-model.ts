// A trained model as eval and predict open it: the checkpoint's card (or one inferred for a
// checkpoint without one), the model it describes, and its weights loaded strictly.
import type { Dataset } from '../../data/dataset.js';
import { UserError } from '../../errors.js';
import { buildModel } from '../../nn/models/index.js';
import type { Module } from '../../nn/module.js';
import { loadWeights, withoutDataParallelPrefix } from './checkpoint.js';
import { architectureOf, type ModelCard } from './model-card.js';
import type { SafetensorsFile } from './safetensors.js';

/** resnet32 or cnn and its head, from the tensor names (DataParallel's prefix dropped). */
const architectureOfFile = (path: string, file: SafetensorsFile) => architectureOf(path, new Set(withoutDataParallelPrefix(file).tensors.keys()));

/** For a checkpoint without a card: the dataset its architecture was made for. */
export function datasetForArchitecture(path: string, file: SafetensorsFile): string {
  return architectureOfFile(path, file).model === 'cnn' ? 'fmnist' : 'cifar10';
}

/**
 * The card of a checkpoint without one (a PyTorch export): the architecture from its tensor names,
 * the classes and input shape of the dataset it is used with, no normalisation (as AEGL trains).
 */
export function inferredCard(path: string, file: SafetensorsFile, d: Dataset): ModelCard {
  return { ...architectureOfFile(path, file), dataset: d.name, classes: d.classes, channels: d.channels, height: d.height, width: d.width, normalize: null };
}

/** Refuses to evaluate a model on a dataset of another shape or class count, naming both. */
export function checkFits(path: string, card: ModelCard, d: Dataset): void {
  const shape = (x: { channels: number; height: number; width: number }) => `${x.channels}×${x.height}×${x.width}`;
  if (card.classes.length !== d.classes.length || shape(card) !== shape(d)) {
    throw new UserError(`${path} was trained on ${card.dataset} (${card.classes.length} classes, ${shape(card)} images); --dataset ${d.name} has ${d.classes.length} classes of ${shape(d)} images`);
  }
}

/** Builds the model `card` describes and loads `file` into it, strictly (the engine must be up). */
export function loadTrainedModel(path: string, file: SafetensorsFile, card: ModelCard): Module {
  const model = buildModel(card.model, card, card.classes.length, { normedHead: card.head === 'normed', seed: 0 });
  loadWeights(path, model, file);
  return model;
}
