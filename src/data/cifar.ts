// The CIFAR "binary version": fixed-size records of label byte(s) then 3×32×32 pixels (R, G, B
// planes, rows top first), i.e. already NCHW. CIFAR-10 has one label byte, CIFAR-100 two
// (coarse, fine); the fine label is the class, as in torchvision's CIFAR100.
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { checkLabels, labelArray, type Dataset, type Split } from './dataset.js';
import { locate, readMaybeGzip } from './read-file.js';

const PIXELS = 3 * 32 * 32;
const CIFAR10_PROVIDER = 'download the CIFAR-10 binary version (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html and point --data-dir at cifar-10-batches-bin';
const CIFAR100_PROVIDER = 'download the CIFAR-100 binary version (cifar-100-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html and point --data-dir at cifar-100-binary';

// The order of batches.meta.txt in the official archive.
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Records of `labelBytes` label bytes + 3072 pixels; the class is the last label byte. */
export function parseCifarRecords(bytes: Uint8Array, file: string, labelBytes: number, numClasses: number): Split {
  const record = labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new UserError(`${file}: truncated: ${bytes.length} bytes is not a whole number of ${record}-byte records`);
  }
  const n = bytes.length / record;
  const images = new Uint8Array(n * PIXELS);
  const labels = labelArray(n, numClasses);
  for (let i = 0; i < n; i++) {
    labels[i] = bytes[i * record + labelBytes - 1];
    images.set(bytes.subarray(i * record + labelBytes, (i + 1) * record), i * PIXELS);
  }
  checkLabels(labels, numClasses, file);
  return { images, labels };
}

function concat(splits: Split[], numClasses: number): Split {
  const n = splits.reduce((a, s) => a + s.labels.length, 0);
  const images = new Uint8Array(n * PIXELS);
  const labels = labelArray(n, numClasses);
  let at = 0;
  for (const s of splits) {
    images.set(s.images, at * PIXELS);
    labels.set(s.labels, at);
    at += s.labels.length;
  }
  return { images, labels };
}

/** Class names from a text file of one name per line, when the archive has it. */
function classNames(file: string, fallback: string[]): string[] {
  if (!existsSync(file)) return fallback;
  const names = readFileSync(file, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  if (names.length !== fallback.length) throw new UserError(`${file}: ${names.length} class names, expected ${fallback.length}`);
  return names;
}

export function readCifar10(dir: string): Dataset {
  const C = 10;
  const read = (name: string) => {
    const path = locate(dir, name, CIFAR10_PROVIDER);
    return parseCifarRecords(readMaybeGzip(path), path, 1, C);
  };
  const train = concat([1, 2, 3, 4, 5].map((k) => read(`data_batch_${k}.bin`)), C);
  const test = read('test_batch.bin');
  const classes = classNames(`${dir}/batches.meta.txt`, CIFAR10_CLASSES);
  return { name: 'cifar10', classes, channels: 3, height: 32, width: 32, train, test };
}

export function readCifar100(dir: string): Dataset {
  const C = 100;
  const read = (name: string) => {
    const path = locate(dir, name, CIFAR100_PROVIDER);
    return parseCifarRecords(readMaybeGzip(path), path, 2, C);
  };
  const numbered = Array.from({ length: C }, (_, c) => String(c));
  const classes = classNames(`${dir}/fine_label_names.txt`, numbered);
  return { name: 'cifar100', classes, channels: 3, height: 32, width: 32, train: read('train.bin'), test: read('test.bin') };
}
