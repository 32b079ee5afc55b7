// safetensors files on disk (the format is safetensors-format.ts's), and a model checkpoint
// written to one.
import { readFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import { writeFileAtomic } from './atomic-write.js';
import { modelToSafe } from './checkpoint.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor, type SafetensorsFile } from './safetensors-format.js';

export type { SafeDType, SafeTensor, SafetensorsFile } from './safetensors-format.js';

/** Writes tensors (and optional string metadata) to `path` atomically. */
export function writeSafetensors(path: string, tensors: readonly SafeTensor[], metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a safetensors file; a truncated or malformed file is a one-line UserError naming it. */
export function readSafetensors(path: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return decodeSafetensors(bytes, path);
}

/** Writes the model (plus extra entries, e.g. optimizer state) atomically. */
export async function saveCheckpoint(path: string, model: Module, extra: SafeTensor[] = [], metadata?: Record<string, string>): Promise<void> {
  writeSafetensors(path, [...(await modelToSafe(model)), ...extra], metadata);
}
