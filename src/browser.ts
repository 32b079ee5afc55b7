// The engine in a page: the same core as in Node (tensors, autograd, ops, models, the training
// step, AEGL), opened on navigator.gpu's device, with the shaders bundled as strings from
// shaders/*.wgsl (tools/bundle-browser.mjs). Nothing here, or below it, imports Node or Dawn.
import { requestFullDevice } from './gpu/adapter.js';
import { initEngine, type Engine } from './gpu/engine.js';
import { setShaderSource } from './gpu/kernels.js';
import { setTuningStore, type TuningStore } from './gpu/tuner.js';

export { requestFullDevice } from './gpu/adapter.js';
export { closeEngine, engine } from './gpu/engine.js';
export { Tensor, tidy } from './tensor.js';
export { backward, noGrad } from './autograd.js';
export { conv2d } from './ops/conv.js';
export { SGD } from './ops/optim.js';
export { FashionCnn } from './nn/models/fmnist-cnn.js';
export { ResNet32 } from './nn/models/resnet32.js';
export { Objective } from './train/loop/objective.js';
export { Aegl } from './train/loop/aegl.js';
export { trainStep } from './train/loop/step.js';

/**
 * Opens the engine on `device` (from requestFullDevice(adapter), or a page's own), reading WGSL
 * from `shaders` (name → source) and keeping tuned choices in `tuning` (default: memory only).
 */
export async function initPageEngine(
  gpu: { device: GPUDevice; adapter?: GPUAdapter; navigatorGpu?: GPU },
  shaders: Record<string, string>,
  tuning?: TuningStore,
): Promise<Engine> {
  setShaderSource((name) => {
    const source = shaders[name];
    if (source === undefined) throw new Error(`kernel source missing from the bundle: ${name}.wgsl`);
    return source;
  });
  if (tuning) setTuningStore(tuning);
  return initEngine({ device: gpu });
}

/** The adapter and full device navigator.gpu offers, or why there is none. */
export async function openNavigatorGpu(navigatorGpu: GPU): Promise<{ device: GPUDevice; adapter: GPUAdapter; navigatorGpu: GPU }> {
  const adapter = await navigatorGpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('this browser offers no WebGPU adapter (navigator.gpu.requestAdapter() gave null)');
  return { device: await requestFullDevice(adapter), adapter, navigatorGpu };
}
