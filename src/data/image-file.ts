// One PNG or JPEG file as a model input: decoded (told apart by magic bytes, not by name),
// converted to the channels wanted (grey as PIL's convert('L'), alpha dropped as PIL's
// convert('RGB')), resized to cover the target and centre-cropped (src/data/resize.ts).
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { UserError } from '../errors.js';
import type { ImageShape } from './dataset.js';
import { readWhole } from './read-file.js';
import { resizeCover } from './resize.js';

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, row by row. */
  rgba: Uint8Array;
}

export function decodeImage(file: string): DecodedImage {
  const bytes = readWhole(file);
  try {
    if (bytes[0] === 0x89 && bytes.subarray(1, 4).toString('latin1') === 'PNG') {
      const png = pngjs.PNG.sync.read(bytes);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const jpg = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
      return { width: jpg.width, height: jpg.height, rgba: jpg.data };
    }
  } catch (e) {
    throw new UserError(`${file}: unreadable image (${(e as Error).message})`);
  }
  throw new UserError(`${file}: unreadable image (neither PNG nor JPEG data)`);
}

/** Planar channels (1: ITU-R 601 luma, as PIL's 'L'; 3: RGB) of an RGBA image, 0–255 floats. */
export function toPlanes(img: DecodedImage, channels: number): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(channels * plane);
  const { rgba } = img;
  for (let p = 0; p < plane; p++) {
    if (channels === 1) out[p] = 0.299 * rgba[4 * p] + 0.587 * rgba[4 * p + 1] + 0.114 * rgba[4 * p + 2];
    else for (let c = 0; c < 3; c++) out[c * plane + p] = rgba[4 * p + c];
  }
  return out;
}

/** A decoded image as `shape`'s planar bytes: channels converted, resized to cover, centre-cropped. */
export function fitImage(img: DecodedImage, shape: ImageShape): Uint8Array {
  if (shape.channels !== 1 && shape.channels !== 3) throw new Error(`fitImage: ${shape.channels} channels (1 or 3 supported)`);
  return resizeCover(toPlanes(img, shape.channels), shape.channels, img.height, img.width, shape.height, shape.width);
}
