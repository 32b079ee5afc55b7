// An image-folder dataset, laid out as torchvision's ImageFolder expects: root/train/<class>/…
// and root/test/<class>/… holding .png/.jpg/.jpeg files (subfolders included). Classes are
// the train folder's subfolders sorted by name, files are taken in sorted order, and every image
// is converted to RGB as ImageFolder's default loader does (alpha dropped, grey replicated), then
// resized to cover one size and centre-cropped (torchvision's Resize + CenterCrop).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { imageBytes, labelArray, type Dataset, type ImageShape, type Split } from './dataset.js';
import { decodeImage, fitImage } from './image-file.js';

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
export function imageFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of listDir(dir)) {
    const path = join(dir, name);
    if (isDir(path)) files.push(...imageFiles(path));
    else if (IMAGE_EXTENSIONS.test(name)) files.push(path);
  }
  return files;
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
    const img = decodeImage(path);
    shape ??= { channels: 3, height: img.height, width: img.width };
    images ??= new Uint8Array(files.length * imageBytes(shape));
    images.set(fitImage(img, shape), i * imageBytes(shape));
    labels[i] = label;
  });
  return { split: { images: images!, labels }, shape: shape! };
}

/** Every image is resized to cover `size` and centre-cropped; default size: the first train image's. */
export function readImageFolder(root: string, size?: { height: number; width: number }): Dataset {
  const trainDir = join(root, 'train');
  const testDir = join(root, 'test');
  for (const d of [trainDir, testDir]) {
    if (!isDir(d)) throw new UserError(`${d}: not found (an image folder needs root/train/<class>/… and root/test/<class>/…)`);
  }
  const classes = listDir(trainDir).filter((name) => isDir(join(trainDir, name)));
  if (!classes.length) throw new UserError(`${trainDir}: no class folders`);
  const train = readSplit(trainDir, classes, size ? { channels: 3, ...size } : null);
  const test = readSplit(testDir, classes, train.shape);
  return { name: 'folder', classes, ...train.shape, train: train.split, test: test.split };
}
