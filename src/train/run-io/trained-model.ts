// A trained model as eval and predict open it: the checkpoint's card (or one inferred for a
// checkpoint without one), the model it describes, and its weights loaded strictly.
import type { Dataset } from '../../data/dataset.js';
import { UserError } from '../../errors.js';
import { buildModel } from '../../nn/models/index.js';
import type { Module } from '../../nn/module.js';
import { loadWeights } from './checkpoint.js';
import { architectureOf, cardFromMetadata, type ModelCard } from './model-card.js';
import type { SafetensorsFile } from './safetensors.js';

/** The dataset a model is evaluated on by default: its card's, else the one its architecture was made for. */
export function defaultDatasetOf(path: string, file: SafetensorsFile): string {
  const card = cardFromMetadata(path, file.metadata);
  if (card) return card.dataset;
  const names = new Set([...file.tensors.keys()].map((n) => n.replace(/^module\./, '')));
  return architectureOf(path, names).model === 'cnn' ? 'fmnist' : 'cifar10';
}

/**
 * The card of `file`; a checkpoint without one (a PyTorch export) gets the architecture from its
 * tensor names and the classes and input shape of `dataset`, without normalisation.
 */
export function cardOf(path: string, file: SafetensorsFile, dataset: () => Dataset): ModelCard {
  const card = cardFromMetadata(path, file.metadata);
  if (card) return card;
  const d = dataset();
  const names = new Set([...file.tensors.keys()].map((n) => n.replace(/^module\./, '')));
  return { ...architectureOf(path, names), dataset: d.name, classes: d.classes, channels: d.channels, height: d.height, width: d.width, normalize: null };
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
