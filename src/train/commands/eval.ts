// `aegl-gpu eval`: test accuracy of a checkpoint (ours, or PyTorch's safetensors export of the
// LDAM-DRW ResNet-32). The architecture is read off the checkpoint's tensor names.
import { GpuDataset } from '../../data/gpu-dataset.js';
import { loadDataset } from '../../data/load.js';
import { UserError } from '../../errors.js';
import { initEngine } from '../../gpu/engine.js';
import { buildModel } from '../../nn/models/index.js';
import { loadCheckpoint } from '../run-io/checkpoint.js';
import { classCounts } from '../loop/evaluate.js';
import { readSafetensors, type SafetensorsFile } from '../run-io/safetensors.js';

export interface EvalFlags {
  checkpoint: string;
  dataset?: string;
  dataDir?: string;
  batchSize?: string;
  json?: boolean;
  adapter?: string;
}

/** resnet32 or cnn, and whether the head is LDAM's NormedLinear, from the tensor names. */
function architecture(path: string, file: SafetensorsFile): { model: string; normedHead: boolean } {
  const names = new Set(file.tensors.keys());
  if (names.has('layer1.0.conv1.weight')) return { model: 'resnet32', normedHead: !names.has('linear.bias') };
  if (names.has('fc1.weight')) return { model: 'cnn', normedHead: !names.has('fc2.bias') };
  throw new UserError(`${path}: neither a ResNet-32 (layer1.0.conv1.weight) nor the Fashion-MNIST CNN (fc1.weight)`);
}

export async function evaluateCheckpoint(f: EvalFlags): Promise<{ top1: number; perClass: { name: string; accuracy: number | null }[] }> {
  const file = readSafetensors(f.checkpoint);
  const { model: name, normedHead } = architecture(f.checkpoint, file);
  const batch = Number(f.batchSize ?? 256);
  if (!Number.isInteger(batch) || batch < 1) throw new UserError(`--batch-size ${f.batchSize}: expected a positive integer`);
  const dataset = loadDataset(f.dataset ?? (name === 'cnn' ? 'fmnist' : 'cifar10'), f.dataDir);
  await initEngine({ adapter: f.adapter });
  const model = buildModel(name, dataset, dataset.classes.length, { normedHead, seed: 0 });
  loadCheckpoint(f.checkpoint, model, file);
  const test = GpuDataset.upload(dataset.test, dataset);
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
