// A tiny, learnable dataset in Fashion-MNIST's IDX format (12×12 images, 10 classes): class c
// is a bright horizontal bar at row c plus noise, so a few steps of training show progress.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomArray } from './gpu.js';

export const TINY_SIDE = 12;

function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x800 + dims.length, 0);
  dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([header, data]);
}

function split(perClass: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const n = perClass * 10;
  const px = TINY_SIDE * TINY_SIDE;
  const noise = randomArray(n * px, seed, 0, 80);
  const images = new Uint8Array(n * px);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    labels[i] = c;
    for (let p = 0; p < px; p++) images[i * px + p] = Math.floor(noise[i * px + p]) + (Math.floor(p / TINY_SIDE) === c + 1 ? 170 : 0);
  }
  return { images, labels };
}

/** Writes train (perClass images per class) and test splits; returns the directory. */
export function writeTinyFashion(perClass = 24, testPerClass = 6): string {
  const dir = mkdtempSync(join(tmpdir(), 'aegl-tiny-'));
  for (const [prefix, s] of [['train', split(perClass, 1)], ['t10k', split(testPerClass, 2)]] as const) {
    const n = s.labels.length;
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx([n, TINY_SIDE, TINY_SIDE], s.images));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx([n], s.labels));
  }
  return dir;
}
