// IDX files (MNIST, Fashion-MNIST): a 4-byte magic (0, 0, type 0x08 = u8, number of dimensions),
// the dimensions as big-endian u32, then the data. Images are N×H×W, labels N.
import { UserError } from '../errors.js';
import { checkLabels, type Dataset, type Split } from './dataset.js';
import { locate, readMaybeGzip } from './read-file.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_MNIST_PROVIDER = "install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) or point --data-dir at the IDX files";

// torchvision.datasets.FashionMNIST.classes
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function parseIdx(bytes: Uint8Array, file: string, ndim: number): IdxArray {
  if (bytes.length < 4) throw new UserError(`${file}: truncated IDX file (${bytes.length} bytes, no header)`);
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const want = 0x800 + ndim;
  if (magic !== want) {
    throw new UserError(`${file}: wrong magic number 0x${magic.toString(16).padStart(8, '0')} (an IDX file of u8 with ${ndim} dimensions has 0x${want.toString(16).padStart(8, '0')})`);
  }
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new UserError(`${file}: truncated IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, k) => view.getUint32(4 + 4 * k));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    const what = bytes.length < header + size ? 'truncated' : 'too long';
    throw new UserError(`${file}: ${what}: ${bytes.length} bytes, dimensions ${dims.join('×')} need ${header + size}`);
  }
  return { dims, data: bytes.subarray(header) };
}

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
