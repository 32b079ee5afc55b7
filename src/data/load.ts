// Picks the reader for a dataset name and its default location.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { readCifar10, readCifar100 } from './cifar.js';
import type { Dataset } from './dataset.js';
import { readImageFolder } from './image-folder.js';
import { FASHION_MNIST_DIR, readFashionMnist } from './idx.js';

export const DATASETS = ['fmnist', 'cifar10', 'cifar100', 'folder'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** The repository root (the same relative place from src/data and dist/data). */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The project's shared CIFAR-10 copy, beside the clone (see ../shared/data/README.md). */
export const SHARED_CIFAR10_DIR = `${REPO_ROOT}../shared/data/cifar-10-batches-bin`;

export function defaultDataDir(name: DatasetName): string | undefined {
  if (name === 'fmnist') return FASHION_MNIST_DIR;
  if (name === 'cifar10' && existsSync(SHARED_CIFAR10_DIR)) return SHARED_CIFAR10_DIR;
  return undefined;
}

export function isDatasetName(name: string): name is DatasetName {
  return (DATASETS as readonly string[]).includes(name);
}

/** `imageSize`: the size every image of an image folder is resized and cropped to (folder only). */
export function loadDataset(name: string, dataDir?: string, { imageSize }: { imageSize?: { height: number; width: number } } = {}): Dataset {
  if (!isDatasetName(name)) throw new UserError(`--dataset ${name}: unknown (one of ${DATASETS.join(', ')})`);
  if (imageSize !== undefined && name !== 'folder') throw new UserError(`--image-size ${imageSize.height}: only for --dataset folder (${name} has one image size)`);
  const dir = dataDir ?? defaultDataDir(name);
  if (!dir) {
    const what = name === 'folder' ? 'the image folder (root/train/<class>/…, root/test/<class>/…)' : `the ${name} binary files`;
    throw new UserError(`--dataset ${name} needs --data-dir pointing at ${what}`);
  }
  switch (name) {
    case 'fmnist':
      return readFashionMnist(dir);
    case 'cifar10':
      return readCifar10(dir);
    case 'cifar100':
      return readCifar100(dir);
    case 'folder':
      return readImageFolder(dir, imageSize);
  }
}
