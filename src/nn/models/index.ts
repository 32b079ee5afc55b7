// Builds a model by its command-line name for a dataset's image shape and class count.
import type { ImageShape } from '../../data/dataset.js';
import { UserError } from '../../errors.js';
import type { Module } from '../module.js';
import { FashionCnn } from './fmnist-cnn.js';
import { ResNet32 } from './resnet32.js';

export const MODELS = ['resnet32', 'cnn'] as const;
export type ModelName = (typeof MODELS)[number];

export function buildModel(name: string, shape: ImageShape, numClasses: number, options: { normedHead: boolean; seed: number }): Module {
  if (name === 'resnet32') return new ResNet32({ numClasses, inChannels: shape.channels, ...options });
  if (name === 'cnn') {
    if (shape.height !== shape.width) throw new UserError(`--model cnn needs square images (got ${shape.height}×${shape.width})`);
    return new FashionCnn({ numClasses, inChannels: shape.channels, size: shape.height, ...options });
  }
  throw new UserError(`--model ${name}: expected resnet32 or cnn`);
}
