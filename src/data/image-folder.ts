// An image-folder dataset, laid out as torchvision's ImageFolder expects: root/train/<class>/…
// and root/test/<class>/… holding .png/.jpg/.jpeg files (subfolders included). Classes are
// the train folder's subfolders sorted by name, files are taken in sorted order, and every image
// is converted to RGB as ImageFolder's default loader does (alpha dropped, grey replicated).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { UserError } from '../errors.js';
import { labelArray, type Dataset, type ImageShape, type Split } from './dataset.js';

const IMAGE_EXTENSIONS = /\.(png|jpe?g)$/i;

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    throw new UserError(`${dir}: cannot list folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing or a broken link: reported by whoever needed it
  }
}

/** Image files under `dir`, recursively, in sorted order (as torchvision's make_dataset). */
function imageFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of listDir(dir)) {
    const path = join(dir, name);
    if (isDir(path)) files.push(...imageFiles(path));
    else if (IMAGE_EXTENSIONS.test(name)) files.push(path);
  }
  return files;
}

/** Decodes a PNG or JPEG (told apart by magic bytes) into RGBA. */
function decodeRgba(file: string): { width: number; height: number; data: Uint8Array } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    if (bytes[0] === 0x89 && bytes.subarray(1, 4).toString('latin1') === 'PNG') return pngjs.PNG.sync.read(bytes);
    if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
  } catch (e) {
    throw new UserError(`${file}: unreadable image (${(e as Error).message})`);
  }
  throw new UserError(`${file}: unreadable image (neither PNG nor JPEG data)`);
}

function readSplit(dir: string, classes: string[], shape: ImageShape | null): { split: Split; shape: ImageShape } {
  const present = listDir(dir).filter((name) => isDir(join(dir, name)));
  const missing = classes.filter((c) => !present.includes(c));
  const extra = present.filter((c) => !classes.includes(c));
  if (missing.length || extra.length) {
    throw new UserError(`${dir}: class folders differ from the train split's (${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `extra ${extra.join(', ')}` : ''})`);
  }
  const files: { path: string; label: number }[] = [];
  classes.forEach((c, label) => {
    const found = imageFiles(join(dir, c));
    if (!found.length) throw new UserError(`${join(dir, c)}: empty class folder (no .png or .jpg files)`);
    for (const path of found) files.push({ path, label });
  });
  let images: Uint8Array | null = null;
  const labels = labelArray(files.length, classes.length);
  files.forEach(({ path, label }, i) => {
    const img = decodeRgba(path);
    shape ??= { channels: 3, height: img.height, width: img.width };
    if (img.width !== shape.width || img.height !== shape.height) {
      throw new UserError(`${path}: image is ${img.width}×${img.height} but the others are ${shape.width}×${shape.height} (resize them to one size)`);
    }
    const plane = img.width * img.height;
    images ??= new Uint8Array(files.length * 3 * plane);
    for (let p = 0; p < plane; p++) {
      for (let ch = 0; ch < 3; ch++) images[(i * 3 + ch) * plane + p] = img.data[4 * p + ch];
    }
    labels[i] = label;
  });
  return { split: { images: images!, labels }, shape: shape! };
}

export function readImageFolder(root: string): Dataset {
  const trainDir = join(root, 'train');
  const testDir = join(root, 'test');
  for (const d of [trainDir, testDir]) {
    if (!isDir(d)) throw new UserError(`${d}: not found (an image folder needs root/train/<class>/… and root/test/<class>/…)`);
  }
  const classes = listDir(trainDir).filter((name) => isDir(join(trainDir, name)));
  if (!classes.length) throw new UserError(`${trainDir}: no class folders`);
  const train = readSplit(trainDir, classes, null);
  const test = readSplit(testDir, classes, train.shape);
  return { name: 'folder', classes, ...train.shape, train: train.split, test: test.split };
}
