// Dataset readers: round trips on small files written here in every format (plain and gzipped,
// told apart by content, not name), and a one-line UserError naming the file for each kind of
// bad input.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readCifar10, readCifar100 } from '../src/data/cifar.js';
import { readImageFolder } from '../src/data/image-folder.js';
import { readFashionMnist } from '../src/data/idx.js';
import { loadDataset } from '../src/data/load.js';
import { UserError } from '../src/errors.js';
import { randomArray } from './helpers/gpu.js';

const root = mkdtempSync(join(tmpdir(), 'aegl-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => {
  const d = join(root, `d${dirs++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

const bytes = (n: number, seed: number, hi = 256) => Uint8Array.from(randomArray(n, seed, 0, hi), Math.floor);

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint32(0, 0x800 + dims.length);
  dims.forEach((d, k) => header.setUint32(4 + 4 * k, d));
  return new Uint8Array(Buffer.concat([new Uint8Array(header.buffer), data]));
}

function write(path: string, data: Uint8Array, gz: boolean): string {
  writeFileSync(path, gz ? gzipSync(data) : data);
  return path;
}

/** Fashion-MNIST-style files: train N=7, test N=3, 4×5 images; `gz` picks which are gzipped. */
function writeIdxDataset(dir: string, gz: (name: string) => boolean, names = (n: string) => n) {
  const splits = {
    train: { images: bytes(7 * 20, 1), labels: bytes(7, 2, 10) },
    t10k: { images: bytes(3 * 20, 3), labels: bytes(3, 4, 10) },
  };
  for (const [prefix, s] of Object.entries(splits)) {
    const n = s.labels.length;
    const img = `${prefix}-images-idx3-ubyte`;
    const lab = `${prefix}-labels-idx1-ubyte`;
    write(join(dir, names(img)), idx([n, 4, 5], s.images), gz(img));
    write(join(dir, names(lab)), idx([n], s.labels), gz(lab));
  }
  return splits;
}

function cifarRecords(n: number, labelBytes: number, seed: number, classes: number) {
  const labels = bytes(n * labelBytes, seed, classes);
  const images = bytes(n * 3072, seed + 1);
  const records = new Uint8Array(n * (labelBytes + 3072));
  for (let i = 0; i < n; i++) {
    records.set(labels.subarray(i * labelBytes, (i + 1) * labelBytes), i * (labelBytes + 3072));
    records.set(images.subarray(i * 3072, (i + 1) * 3072), i * (labelBytes + 3072) + labelBytes);
  }
  const classOf = Uint8Array.from({ length: n }, (_, i) => labels[i * labelBytes + labelBytes - 1]);
  return { records, images, labels: classOf };
}

function writeCifar10(dir: string) {
  const files = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
  return files.map((name, k) => {
    const r = cifarRecords(2 + k, 1, 10 * k, 10);
    // Odd files gzipped under a .gz name, one plain file misnamed .gz: detection is by content.
    const path = k % 2 ? `${name}.gz` : name;
    write(join(dir, k === 4 ? `${name}.gz` : path), r.records, k % 2 === 1);
    return r;
  });
}

function png(width: number, height: number, rgba: Uint8Array): Buffer {
  const p = new pngjs.PNG({ width, height });
  p.data = Buffer.from(rgba);
  return pngjs.PNG.sync.write(p);
}

/** Throws a UserError whose single-line message names `file` and matches `what`. */
function expectUserError(fn: () => unknown, file: string, what: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  const msg = (err as Error | undefined)?.message;
  expect(err, `expected a UserError about ${file}, got ${msg}`).toBeInstanceOf(UserError);
  expect(msg, msg).toContain(file);
  expect(msg).toMatch(what);
  expect(msg).not.toContain('\n');
}

describe('IDX (Fashion-MNIST layout)', () => {
  it.each([
    ['plain', () => false],
    ['gzipped', () => true],
    ['mixed', (n: string) => n.includes('labels')],
  ])('round trip, %s', (_, gz) => {
    const dir = freshDir();
    const want = writeIdxDataset(dir, gz, (n) => (gz(n) ? `${n}.gz` : n));
    const d = readFashionMnist(dir);
    expect([d.channels, d.height, d.width]).toEqual([1, 4, 5]);
    expect(d.classes).toHaveLength(10);
    expect(d.train.images).toEqual(want.train.images);
    expect(d.train.labels).toEqual(want.train.labels);
    expect(d.test.images).toEqual(want.t10k.images);
    expect(d.test.labels).toEqual(want.t10k.labels);
  });

  it('gzip is detected by content: gzipped data under a plain name reads the same', () => {
    const dir = freshDir();
    const want = writeIdxDataset(dir, () => true);
    expect(readFashionMnist(dir).train.images).toEqual(want.train.images);
  });

  it('bad files: truncated, wrong magic, label out of range, counts that differ, corrupt gzip, missing', () => {
    const dir = freshDir();
    writeIdxDataset(dir, () => false);
    const images = join(dir, 'train-images-idx3-ubyte');
    const labels = join(dir, 'train-labels-idx1-ubyte');
    const good = idx([7, 4, 5], bytes(140, 1));
    write(images, good.subarray(0, good.length - 3), false);
    expectUserError(() => readFashionMnist(dir), images, /truncated/);
    write(images, good.subarray(0, 10), true);
    expectUserError(() => readFashionMnist(dir), images, /truncated IDX header/);
    const wrongMagic = good.slice();
    wrongMagic[3] = 1;
    write(images, wrongMagic, false);
    expectUserError(() => readFashionMnist(dir), images, /wrong magic number 0x00000801/);
    write(images, good, false);
    write(labels, idx([7], Uint8Array.from([0, 1, 2, 10, 4, 5, 6])), false);
    expectUserError(() => readFashionMnist(dir), labels, /label 10 of record 3 is out of range/);
    write(labels, idx([6], bytes(6, 2, 10)), false);
    expectUserError(() => readFashionMnist(dir), labels, /6 labels but .* has 7 images/);
    write(labels, gzipSync(idx([7], bytes(7, 2, 10))).subarray(0, 20), false);
    expectUserError(() => readFashionMnist(dir), labels, /corrupt or truncated gzip/);
    rmSync(labels);
    expectUserError(() => readFashionMnist(dir), labels, /dataset-fashion-mnist/);
  });
});

describe('CIFAR binary', () => {
  it('CIFAR-10: five train batches in order, the test batch, gz or plain, class names from batches.meta.txt', () => {
    const dir = freshDir();
    const parts = writeCifar10(dir);
    const d = readCifar10(dir);
    const train = parts.slice(0, 5);
    expect(d.train.labels).toEqual(Uint8Array.from(train.flatMap((p) => [...p.labels])));
    expect(d.train.images).toEqual(Uint8Array.from(train.flatMap((p) => [...p.images])));
    expect(d.test.labels).toEqual(parts[5].labels);
    expect(d.test.images).toEqual(parts[5].images);
    expect(d.classes[9]).toBe('truck');
    writeFileSync(join(dir, 'batches.meta.txt'), Array.from({ length: 10 }, (_, c) => `name${c}`).join('\n') + '\n\n');
    expect(readCifar10(dir).classes[3]).toBe('name3');
  });

  it('CIFAR-100: the fine label is the class', () => {
    const dir = freshDir();
    const train = cifarRecords(9, 2, 5, 100);
    const test = cifarRecords(4, 2, 6, 100);
    write(join(dir, 'train.bin'), train.records, true);
    write(join(dir, 'test.bin'), test.records, false);
    const d = readCifar100(dir);
    expect(d.classes).toHaveLength(100);
    expect(d.train.labels).toEqual(train.labels);
    expect(d.train.images).toEqual(train.images);
    expect(d.test.labels).toEqual(test.labels);
  });

  it('bad files: truncated record, label out of range, missing file', () => {
    const dir = freshDir();
    writeCifar10(dir);
    const r = cifarRecords(3, 1, 1, 10);
    const path = join(dir, 'test_batch.bin');
    write(path, r.records.subarray(0, r.records.length - 100), false);
    expectUserError(() => readCifar10(dir), path, /truncated: 9119 bytes is not a whole number of 3073-byte records/);
    r.records[3073] = 12;
    write(path, r.records, false);
    expectUserError(() => readCifar10(dir), path, /label 12 of record 1 is out of range/);
    rmSync(path);
    rmSync(`${path}.gz`);
    expectUserError(() => readCifar10(dir), `${dir}/test_batch.bin`, /not found .*cifar-10-binary/);
    const d100 = freshDir();
    write(join(d100, 'train.bin'), cifarRecords(2, 1, 1, 10).records, false);
    expectUserError(() => readCifar100(d100), join(d100, 'train.bin'), /3074-byte records/);
  });
});

describe('image folder', () => {
  const W = 3;
  const H = 2;

  function writeFolder(dir: string) {
    const pixels: Record<string, Uint8Array[]> = {};
    for (const split of ['train', 'test']) {
      // Class folders created out of order: the reader sorts them, as torchvision's ImageFolder.
      for (const [ci, cls] of ['zebra', 'ant'].entries()) {
        const d = join(dir, split, cls, 'nested');
        mkdirSync(d, { recursive: true });
        const list: Uint8Array[] = [];
        for (let k = 0; k < 2; k++) {
          const rgba = bytes(W * H * 4, 100 * ci + 10 * k + split.length);
          list.push(rgba);
          writeFileSync(join(dir, split, cls, k === 0 ? `b${k}.png` : `a${k}.PNG`), png(W, H, rgba));
        }
        writeFileSync(join(d, 'notes.txt'), 'not an image');
        pixels[`${split}/${cls}`] = [list[1], list[0]]; // sorted file order: a1.PNG, b0.png
      }
    }
    return pixels;
  }

  const planar = (rgba: Uint8Array) => Uint8Array.from({ length: 3 * W * H }, (_, i) => rgba[4 * (i % (W * H)) + Math.floor(i / (W * H))]);

  it('round trip: sorted classes and files, RGBA → planar RGB, PNG and JPEG', () => {
    const dir = freshDir();
    const pixels = writeFolder(dir);
    const d = readImageFolder(dir);
    expect(d.classes).toEqual(['ant', 'zebra']);
    expect([d.channels, d.height, d.width]).toEqual([3, H, W]);
    expect(Array.from(d.train.labels)).toEqual([0, 0, 1, 1]);
    const want = [...pixels['train/ant'], ...pixels['train/zebra']].map(planar);
    expect(d.train.images).toEqual(Uint8Array.from(want.flatMap((p) => [...p])));
    expect(Array.from(d.test.labels)).toEqual([0, 0, 1, 1]);

    // A JPEG of a flat colour decodes to (nearly) that colour on every channel.
    const flat = new Uint8Array(W * H * 4).fill(200);
    writeFileSync(join(dir, 'train', 'ant', 'c.jpg'), jpeg.encode({ width: W, height: H, data: flat }, 100).data);
    const withJpeg = readImageFolder(dir);
    expect(withJpeg.train.labels).toHaveLength(5);
    const img = withJpeg.train.images.subarray(2 * 3 * W * H, 3 * 3 * W * H);
    for (const v of img) expect(Math.abs(v - 200)).toBeLessThanOrEqual(2);
    expect(loadDataset('folder', dir).classes).toEqual(['ant', 'zebra']);
  });

  it('mixed sizes: each image resized to cover the first one\'s size (or --image-size) and centre-cropped; grey and alpha converted', () => {
    const dir = freshDir();
    const pixels = writeFolder(dir);
    // A flat 6×4 image stays flat when halved; a 3×4 one of row colours 0, 10, 20, 30 keeps its middle rows.
    writeFileSync(join(dir, 'test', 'zebra', 'big.png'), png(2 * W, 2 * H, new Uint8Array(2 * W * 2 * H * 4).fill(123)));
    writeFileSync(join(dir, 'test', 'zebra', 'tall.png'), png(W, 4, Uint8Array.from({ length: W * 4 * 4 }, (_, i) => 10 * Math.floor(i / (4 * W)))));
    // Grey + alpha PNG: grey replicated on R, G and B, alpha dropped.
    writeFileSync(join(dir, 'test', 'zebra', 'grey.png'), pngjs.PNG.sync.write(Object.assign(new pngjs.PNG({ width: W, height: H }), { data: Buffer.from(new Uint8Array(W * H * 4).map((_, i) => (i % 4 === 3 ? 30 : 90))) }), { colorType: 4 }));
    const d = readImageFolder(dir);
    expect([d.height, d.width]).toEqual([H, W]);
    // The test zebra folder, sorted: a1.PNG, b0.png, big.png, grey.png, tall.png.
    const at = (k: number) => Array.from(d.test.images.subarray((2 + k) * 3 * W * H, (3 + k) * 3 * W * H));
    expect(at(0)).toEqual(Array.from(planar(pixels['test/zebra'][0])));
    expect(at(2)).toEqual(new Array(3 * W * H).fill(123));
    expect(at(3)).toEqual(new Array(3 * W * H).fill(90));
    expect(at(4)).toEqual([0, 1, 2].flatMap(() => [10, 10, 10, 20, 20, 20]));
    const resized = readImageFolder(dir, { height: 5, width: 5 });
    expect([resized.channels, resized.height, resized.width]).toEqual([3, 5, 5]);
    expect(resized.test.images).toHaveLength(7 * 3 * 25);
    expect(() => loadDataset('fmnist', dir, { imageSize: { height: 5, width: 5 } })).toThrow(/--image-size 5: only for --dataset folder/);
  });

  it('bad folders: an empty class, an unreadable image, class sets that differ', () => {
    const dir = freshDir();
    writeFolder(dir);
    const broken = join(dir, 'train', 'zebra', 'broken.png');
    writeFileSync(broken, png(W, H, new Uint8Array(W * H * 4)).subarray(0, 40));
    expectUserError(() => readImageFolder(dir), broken, /unreadable image/);
    writeFileSync(broken, 'hello');
    expectUserError(() => readImageFolder(dir), broken, /neither PNG nor JPEG/);
    rmSync(broken);
    const empty = join(dir, 'train', 'empty');
    mkdirSync(empty);
    mkdirSync(join(dir, 'test', 'empty'));
    expectUserError(() => readImageFolder(dir), empty, /empty class folder/);
    writeFileSync(join(empty, 'x.png'), png(W, H, new Uint8Array(W * H * 4)));
    rmSync(join(dir, 'test', 'empty'), { recursive: true });
    expectUserError(() => readImageFolder(dir), join(dir, 'test'), /class folders differ .*missing empty/);
    expectUserError(() => readImageFolder(join(dir, 'nothing')), join(dir, 'nothing', 'train'), /not found/);
  });
});

describe('loadDataset', () => {
  it('names the flag for an unknown dataset or a missing --data-dir', () => {
    expect(() => loadDataset('svhn')).toThrow(/--dataset svhn: unknown/);
    expect(() => loadDataset('cifar100')).toThrow(/needs --data-dir/);
  });
});
