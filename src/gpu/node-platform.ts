// The engine on Node: Dawn's adapters (device.ts), shader files (shader-files.ts) and the tuning
// cache file (tuning-file.ts). initEngine loads this module only when it is not handed a device,
// so a page's bundle never includes Dawn or Node's modules.
import type { OpenedGpu } from './adapter.js';
import { openGpu } from './device.js';
import { setShaderSource } from './kernels.js';
import { readShaderFile } from './shader-files.js';
import { setTuningStore } from './tuner.js';
import { tuningFile } from './tuning-file.js';

export function useNodeFiles(): void {
  setShaderSource(readShaderFile);
  setTuningStore(tuningFile);
}

export async function openNodeGpu(adapterSpec?: string): Promise<OpenedGpu> {
  useNodeFiles();
  return openGpu(adapterSpec);
}
