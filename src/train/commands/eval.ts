// `aegl-gpu eval`: test accuracy of a checkpoint, ours (its card says the dataset, the classes and
// the input normalisation it was trained with) or a PyTorch safetensors export of the LDAM-DRW
// ResNet-32 or our CNN (architecture read off the tensor names, no normalisation).
import { GpuDataset } from '../../data/gpu-dataset.js';
import { loadDataset } from '../../data/load.js';
import { UserError } from '../../errors.js';
import { initEngine } from '../../gpu/engine.js';
import { classCounts } from '../loop/evaluate.js';
import { cardFromMetadata } from '../run-io/model-card.js';
import { readSafetensors } from '../run-io/safetensors.js';
import { checkFits, datasetForArchitecture, inferredCard, loadTrainedModel } from '../run-io/trained-model.js';

export interface EvalFlags {
  checkpoint: string;
  dataset?: string;
  dataDir?: string;
  batchSize?: string;
  json?: boolean;
  adapter?: string;
}

export async function evaluateCheckpoint(f: EvalFlags): Promise<{ top1: number; perClass: { name: string; accuracy: number | null }[] }> {
  const file = readSafetensors(f.checkpoint);
  const batch = Number(f.batchSize ?? 256);
  if (!Number.isInteger(batch) || batch < 1) throw new UserError(`--batch-size ${f.batchSize}: expected a positive integer`);
  const stored = cardFromMetadata(f.checkpoint, file.metadata);
  const name = f.dataset ?? stored?.dataset ?? datasetForArchitecture(f.checkpoint, file);
  // An image folder is read at the size the model was trained at.
  const dataset = loadDataset(name, f.dataDir, { imageSize: name === 'folder' && stored ? { height: stored.height, width: stored.width } : undefined });
  const card = stored ?? inferredCard(f.checkpoint, file, dataset);
  checkFits(f.checkpoint, card, dataset);
  await initEngine({ adapter: f.adapter });
  const model = loadTrainedModel(f.checkpoint, file, card);
  const test = GpuDataset.upload(dataset.test, dataset, { normalize: card.normalize ?? undefined });
  const counts = await classCounts(model, test, dataset.classes.length, batch);
  let correct = 0;
  let total = 0;
  const perClass = dataset.classes.map((className, c) => {
    correct += counts[2 * c];
    total += counts[2 * c + 1];
    return { name: className, accuracy: counts[2 * c + 1] ? (100 * counts[2 * c]) / counts[2 * c + 1] : null };
  });
  return { top1: (100 * correct) / total, perClass };
}

export function formatEval(r: Awaited<ReturnType<typeof evaluateCheckpoint>>): string {
  const lines = [`top-1: ${r.top1.toFixed(2)}%`, 'per class:'];
  r.perClass.forEach((p, c) => lines.push(`  ${String(c).padStart(3)} ${p.name.padEnd(14)} ${p.accuracy === null ? '—' : `${p.accuracy.toFixed(2)}%`}`));
  return lines.join('\n');
}
