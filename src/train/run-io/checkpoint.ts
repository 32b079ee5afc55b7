// Model state ↔ safetensors with PyTorch's state_dict names and layouts (f32 tensors, int64
// num_batches_tracked scalars), so checkpoints load in PyTorch and PyTorch's exports load here.
// No file I/O (a page uses it too): `path` only names the source in errors.
import { engine } from '../../gpu/engine.js';
import { UserError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor.js';
import type { SafeTensor, SafetensorsFile } from './safetensors-format.js';

/** Reads named GPU tensors back as safetensors entries (one read each: call once per epoch). */
export async function tensorsToSafe(named: readonly [string, Tensor][]): Promise<SafeTensor[]> {
  const out: SafeTensor[] = [];
  for (const [name, t] of named) {
    const data = new Float32Array(await engine().read(t));
    out.push({ name, dtype: 'F32', shape: [...t.shape], data });
  }
  return out;
}

export async function modelToSafe(model: Module): Promise<SafeTensor[]> {
  const tensors = await tensorsToSafe(model.namedState());
  for (const [name, counter] of model.namedCounters()) {
    tensors.push({ name, dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(counter.value)) });
  }
  return tensors;
}

/** Copies `entry` into `target` after checking its shape; names the file and key on mismatch. */
export function loadInto(path: string, entry: SafeTensor | undefined, name: string, target: Tensor): void {
  if (!entry) throw new UserError(`${path}: no tensor "${name}" (is it a checkpoint of this model?)`);
  if (entry.dtype !== 'F32') throw new UserError(`${path}: "${name}" is ${entry.dtype}, expected F32`);
  if (entry.shape.join() !== target.shape.join()) {
    throw new UserError(`${path}: "${name}" has shape [${entry.shape.join(', ')}], the model needs [${target.shape.join(', ')}]`);
  }
  engine().upload(target, entry.data);
}

/**
 * Loads every parameter, buffer and counter of `model` from `path`, as PyTorch's strict
 * load_state_dict: a missing or misshapen tensor is an error. Returns the file's metadata and
 * the entries the model did not use (the resume file's optimizer state).
 */
export function loadCheckpoint(
  path: string,
  model: Module,
  file: SafetensorsFile,
): { metadata: Record<string, string>; rest: Map<string, SafeTensor> } {
  const rest = new Map(file.tensors);
  for (const [name, t] of model.namedState()) {
    loadInto(path, rest.get(name), name, t);
    rest.delete(name);
  }
  for (const [name, counter] of model.namedCounters()) {
    const entry = rest.get(name);
    // Checkpoints from before PyTorch 0.4.1 lack num_batches_tracked: keep the counter then.
    if (!entry) continue;
    if (entry.dtype !== 'I64' || entry.data.length !== 1) throw new UserError(`${path}: "${name}" should be an int64 scalar`);
    counter.value = Number((entry.data as BigInt64Array)[0]);
    rest.delete(name);
  }
  return { metadata: file.metadata, rest };
}

/** The tensors of a model saved from DataParallel carry a "module." prefix: dropped when every name has it. */
export function withoutDataParallelPrefix(file: SafetensorsFile): SafetensorsFile {
  const names = [...file.tensors.keys()];
  if (!names.length || !names.every((n) => n.startsWith('module.'))) return file;
  return { ...file, tensors: new Map([...file.tensors].map(([n, t]) => [n.slice('module.'.length), { ...t, name: n.slice('module.'.length) }])) };
}

/** The first non-finite value of a floating-point tensor, or null. */
function firstNonFinite(t: SafeTensor): number | null {
  if (t.dtype !== 'F32' && t.dtype !== 'F64') return null;
  for (const v of t.data as Float32Array | Float64Array) if (!Number.isFinite(v)) return v;
  return null;
}

/**
 * Model weights for inference or a fine-tune (eval, predict, --init), loaded strictly: besides a
 * missing, misshapen or mistyped tensor, an unknown tensor name and a NaN or infinite value are
 * refused, naming the tensor. Returns the file's metadata.
 */
export function loadWeights(path: string, model: Module, file: SafetensorsFile): Record<string, string> {
  const weights = withoutDataParallelPrefix(file);
  for (const t of weights.tensors.values()) {
    const v = firstNonFinite(t);
    if (v !== null) throw new UserError(`${path}: tensor "${t.name}" holds ${v} (a diverged or corrupted model)`);
  }
  const { metadata, rest } = loadCheckpoint(path, model, weights);
  if (rest.size) {
    const [first] = rest.keys();
    throw new UserError(`${path}: unknown tensor "${first}"${rest.size > 1 ? ` (and ${rest.size - 1} more)` : ''}: not a parameter or buffer of this model`);
  }
  return metadata;
}
