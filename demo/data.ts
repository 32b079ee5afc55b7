// The page's Fashion-MNIST: the four IDX files fetched from the demo server (which serves
// Debian's copies) or picked by the visitor, gunzipped in the browser, then the long-tailed subset.
import { FASHION_MNIST_CLASSES, parseIdx } from '../src/data/idx-format.js';
import { longTailSubset, selectRecords } from '../src/data/long-tail.js';
import type { Split } from '../src/data/dataset.js';

export const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;
export const CLASSES = FASHION_MNIST_CLASSES;
export const SHAPE = { channels: 1, height: 28, width: 28 };

async function gunzipIfNeeded(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The four files' bytes: from `picked` (names as Debian's, with or without .gz) or fetched from `base`. */
export async function loadFiles(base: string, picked: FileList | null): Promise<Record<(typeof FILES)[number], Uint8Array>> {
  const out = {} as Record<(typeof FILES)[number], Uint8Array>;
  for (const name of FILES) {
    const file = picked ? [...picked].find((f) => f.name.replace(/\.gz$/, '') === name) : undefined;
    if (picked && !file) throw new Error(`the picked files lack ${name}(.gz)`);
    const raw = file ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array(await (await fetch(`${base}${name}.gz`)).arrayBuffer());
    out[name] = await gunzipIfNeeded(raw);
  }
  return out;
}

function split(images: Uint8Array, labels: Uint8Array, imagesName: string, labelsName: string): Split {
  return { images: parseIdx(images, imagesName, 3).data, labels: parseIdx(labels, labelsName, 1).data };
}

/**
 * Train: the long-tailed subset with ratio rho (our counter-based shuffle, seed 0, as the CLI's
 * Fashion-MNIST runs), then `fraction` of each class (at least one image); test: the first `testCount`.
 */
export function buildSplits(files: Record<(typeof FILES)[number], Uint8Array>, rho: number, fraction: number, testCount: number) {
  const full = split(files[FILES[0]], files[FILES[1]], FILES[0], FILES[1]);
  const test = split(files[FILES[2]], files[FILES[3]], FILES[2], FILES[3]);
  const C = CLASSES.length;
  const lt = longTailSubset(full.labels, C, rho, 'exp', 0, 'own');
  const indices: number[] = [];
  const counts: number[] = [];
  let at = 0;
  for (const n of lt.counts) {
    const keep = Math.max(1, Math.round(n * fraction));
    indices.push(...lt.indices.subarray(at, at + keep));
    counts.push(keep);
    at += n;
  }
  const testIndices = Array.from({ length: Math.min(testCount, test.labels.length) }, (_, i) => i);
  return { train: selectRecords(full, SHAPE, indices, C), counts, test: selectRecords(test, SHAPE, testIndices, C) };
}
