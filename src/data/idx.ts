// Fashion-MNIST's IDX files from disk (the format is idx-format.ts's).
import { UserError } from '../errors.js';
import { checkLabels, type Dataset, type Split } from './dataset.js';
import { FASHION_MNIST_CLASSES, parseIdx } from './idx-format.js';
import { locate, readMaybeGzip } from './read-file.js';

export { FASHION_MNIST_CLASSES, parseIdx, type IdxArray } from './idx-format.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_MNIST_PROVIDER = "install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) or point --data-dir at the IDX files";

/** One split from an images file and a labels file. */
export function readIdxSplit(imagesFile: string, labelsFile: string, numClasses: number): { split: Split; height: number; width: number } {
  const images = parseIdx(readMaybeGzip(imagesFile), imagesFile, 3);
  const labels = parseIdx(readMaybeGzip(labelsFile), labelsFile, 1);
  const [n, height, width] = images.dims;
  if (labels.dims[0] !== n) throw new UserError(`${labelsFile}: ${labels.dims[0]} labels but ${imagesFile} has ${n} images`);
  checkLabels(labels.data, numClasses, labelsFile);
  return { split: { images: images.data, labels: labels.data }, height, width };
}

export function readFashionMnist(dir = FASHION_MNIST_DIR): Dataset {
  const file = (name: string) => locate(dir, name, FASHION_MNIST_PROVIDER);
  const C = FASHION_MNIST_CLASSES.length;
  const train = readIdxSplit(file('train-images-idx3-ubyte'), file('train-labels-idx1-ubyte'), C);
  const test = readIdxSplit(file('t10k-images-idx3-ubyte'), file('t10k-labels-idx1-ubyte'), C);
  if (test.height !== train.height || test.width !== train.width) {
    throw new UserError(`${dir}: test images are ${test.height}×${test.width} but train images ${train.height}×${train.width}`);
  }
  return { name: 'fmnist', classes: [...FASHION_MNIST_CLASSES], channels: 1, height: train.height, width: train.width, train: train.split, test: test.split };
}
