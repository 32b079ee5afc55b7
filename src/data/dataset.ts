// The in-memory form every reader produces: u8 pixels in NCHW order and one label per image.
import { UserError } from '../errors.js';

export interface ImageShape {
  channels: number;
  height: number;
  width: number;
}

/** One split: images[i·C·H·W …] is image i, labels[i] its class. */
export interface Split {
  images: Uint8Array;
  labels: Uint8Array | Uint16Array;
}

export interface Dataset extends ImageShape {
  /** fmnist, cifar10, cifar100 or folder. */
  name: string;
  classes: string[];
  train: Split;
  test: Split;
}

export const imageBytes = (s: ImageShape): number => s.channels * s.height * s.width;

/** Label storage wide enough for `numClasses` classes. */
export function labelArray(n: number, numClasses: number): Uint8Array | Uint16Array {
  return numClasses <= 256 ? new Uint8Array(n) : new Uint16Array(n);
}

/** Images per class of a split. */
export function classCounts(split: Split, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const y of split.labels) counts[y]++;
  return counts;
}

/** Throws naming `file` when a label is not a class index. */
export function checkLabels(labels: ArrayLike<number>, numClasses: number, file: string, first = 0): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) {
      throw new UserError(`${file}: label ${labels[i]} of record ${first + i} is out of range (${numClasses} classes)`);
    }
  }
}
