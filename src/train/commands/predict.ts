// `aegl-gpu predict`: the top-k classes of image files under a trained model. Each image is read
// as the model was trained: converted to its channels, resized to cover its input and centre-
// cropped, normalised with its training statistics (all from the checkpoint's card).
import { statSync } from 'node:fs';
import { labelArray } from '../../data/dataset.js';
import { GpuDataset } from '../../data/gpu-dataset.js';
import { decodeImage, fitImage } from '../../data/image-file.js';
import { imageFiles } from '../../data/image-folder.js';
import { loadDataset } from '../../data/load.js';
import { noGrad } from '../../autograd.js';
import { UserError } from '../../errors.js';
import { initEngine } from '../../gpu/engine.js';
import { tidy } from '../../tensor.js';
import { readSafetensors } from '../run-io/safetensors.js';
import { cardFromMetadata } from '../run-io/model-card.js';
import { datasetForArchitecture, inferredCard, loadTrainedModel } from '../run-io/trained-model.js';

export interface PredictFlags {
  checkpoint: string;
  /** For a checkpoint without a card (a PyTorch export): whose class names and input shape to use. */
  dataset?: string;
  dataDir?: string;
  topK?: string;
  adapter?: string;
}

export interface Prediction {
  file: string;
  top: { index: number; name: string; probability: number }[];
}

/** Images per forward pass. */
const BATCH = 128;

/** The files named, directories expanded to the PNG and JPEG files under them (sorted). */
function inputFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let dir = false;
    try {
      dir = statSync(path).isDirectory();
    } catch (e) {
      throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (!dir) files.push(path);
    else {
      const found = imageFiles(path);
      if (!found.length) throw new UserError(`${path}: no .png or .jpg files in this folder`);
      files.push(...found);
    }
  }
  return files;
}

/** Softmax of one row of logits, in float64. */
function softmax(logits: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(logits));
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export async function predictImages(paths: string[], f: PredictFlags): Promise<Prediction[]> {
  const topK = Number(f.topK ?? 3);
  if (!Number.isInteger(topK) || topK < 1) throw new UserError(`--top-k ${f.topK}: expected a positive integer`);
  const file = readSafetensors(f.checkpoint);
  const card =
    cardFromMetadata(f.checkpoint, file.metadata) ??
    inferredCard(f.checkpoint, file, loadDataset(f.dataset ?? datasetForArchitecture(f.checkpoint, file), f.dataDir));
  const files = inputFiles(paths);
  // Decoded before the GPU starts: a bad file fails fast, naming itself.
  const pixels = files.map((path) => fitImage(decodeImage(path), card));
  await initEngine({ adapter: f.adapter });
  const model = loadTrainedModel(f.checkpoint, file, card);
  model.eval();
  const size = pixels[0].length;
  const images = new Uint8Array(files.length * size);
  pixels.forEach((p, i) => images.set(p, i * size));
  const data = GpuDataset.upload({ images, labels: labelArray(files.length, card.classes.length) }, card, { normalize: card.normalize ?? undefined });
  const predictions: Prediction[] = [];
  for (let k = 0; k < data.numBatches(BATCH); k++) {
    const logits = tidy(() => noGrad(() => model.forward(data.evalBatch(k, BATCH).x).keep()));
    const rows = (await logits.read()) as Float32Array;
    logits.dispose();
    const C = card.classes.length;
    for (let r = 0; r < rows.length / C; r++) {
      const probs = softmax(rows.subarray(r * C, (r + 1) * C));
      const order = probs.map((p, index) => ({ index, p })).sort((a, b) => b.p - a.p || a.index - b.index).slice(0, topK);
      predictions.push({ file: files[k * BATCH + r], top: order.map(({ index, p }) => ({ index, name: card.classes[index], probability: p })) });
    }
  }
  return predictions;
}

export function formatPredictions(predictions: Prediction[]): string {
  return predictions.map((p) => `${p.file}: ${p.top.map((t) => `${t.name} ${(100 * t.probability).toFixed(1)}%`).join(', ')}`).join('\n');
}
