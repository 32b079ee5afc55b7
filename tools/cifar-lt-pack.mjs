#!/usr/bin/env node
// Writes a copy of a CIFAR-10 binary folder that keeps only what a long-tailed run reads: every
// record keeps its label (the numpy subset is drawn from the labels, so `--imbalance` picks the
// same images), but the pixels of the train records outside the subset file are zeroed, so the
// compressed batches shrink to about the subset's size. With --test-records N only the first N
// test records are kept (tiny checks). Writes plain .bin files; tools/device-check.sh compresses
// them with xz (a fifth smaller than gzip here) and carries them to a GPU machine.
// Usage: node tools/cifar-lt-pack.mjs SRC_DIR SUBSET_JSON OUT_DIR [--test-records N]
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const RECORD = 1 + 3 * 32 * 32;
const PER_BATCH = 10000;
const [src, subsetPath, out, flag, value] = process.argv.slice(2);
if (!src || !subsetPath || !out || (flag && flag !== '--test-records')) {
  console.error('usage: node tools/cifar-lt-pack.mjs SRC_DIR SUBSET_JSON OUT_DIR [--test-records N]');
  process.exit(2);
}
const read = (name) => {
  const plain = join(src, name);
  if (existsSync(plain)) return readFileSync(plain);
  if (existsSync(`${plain}.gz`)) return gunzipSync(readFileSync(`${plain}.gz`));
  console.error(`cifar-lt-pack: ${plain}(.gz) not found`);
  process.exit(1);
};
const subset = JSON.parse(readFileSync(subsetPath, 'utf8'));
if (subset.dataset !== 'cifar10' || subset.trainCount !== 5 * PER_BATCH) {
  console.error(`cifar-lt-pack: ${subsetPath} is not a subset of CIFAR-10's 50,000 train images`);
  process.exit(1);
}
const kept = new Uint8Array(5 * PER_BATCH);
for (const r of [...subset.indices, ...(subset.valIndices ?? [])]) kept[r] = 1;
mkdirSync(out, { recursive: true });
for (let b = 0; b < 5; b++) {
  const bytes = read(`data_batch_${b + 1}.bin`);
  for (let i = 0; i < PER_BATCH; i++) if (!kept[b * PER_BATCH + i]) bytes.fill(0, i * RECORD + 1, (i + 1) * RECORD);
  writeFileSync(join(out, `data_batch_${b + 1}.bin`), bytes);
}
const test = read('test_batch.bin');
const testRecords = flag ? Number(value) : test.length / RECORD;
writeFileSync(join(out, 'test_batch.bin'), test.subarray(0, testRecords * RECORD));
if (existsSync(join(src, 'batches.meta.txt'))) copyFileSync(join(src, 'batches.meta.txt'), join(out, 'batches.meta.txt'));
console.log(`cifar-lt-pack: ${subset.indices.length} train images kept, ${testRecords} test images, in ${out}`);
