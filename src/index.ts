// The library API (`import … from 'aegl-gpu'`): engine, tensors, autograd, ops, optimizers.
export { closeEngine, engine, initEngine } from './gpu/engine.js';
export { Tensor, tidy } from './tensor.js';
export { backward, noGrad } from './autograd.js';
export { add, mul, relu, scale } from './ops/elementwise.js';
export { mean, sum, sumRows } from './ops/reduce.js';
export { linear, matmul, MATMUL_VARIANTS, type MatmulOptions, type MatmulVariant } from './ops/matmul.js';
export { crossEntropy, type CrossEntropyOptions } from './ops/loss.js';
export { accumulateClassCounts, argmax } from './ops/metrics.js';
export { SGD, type SGDOptions } from './ops/optim.js';
export { ldamLogits } from './ops/ldam.js';
export { readSafetensors, writeSafetensors, type SafeTensor, type SafeDType } from './train/run-io/safetensors.js';
export { classBalancedWeights, ldamMargins } from './train/loop/class-weights.js';
export { aeglSchedule, cosineSchedule, ldamDrwSchedule, stepSchedule, type LrSchedule } from './train/loop/schedule.js';
export { BestLast, computeMetrics, type EvalMetrics } from './train/loop/metrics.js';
