// The layers the models need, with PyTorch's parameter names, shapes and default inits
// (Kaiming-normal convolutions and linears as the LDAM-DRW reference's _weights_init).
import { batchNorm2d } from '../ops/batchnorm.js';
import { conv2d } from '../ops/conv.js';
import { linear, matmul } from '../ops/matmul.js';
import { normalizeCols, normalizeRows } from '../ops/normalize.js';
import { Tensor } from '../tensor.js';
import { InitRng, kaimingNormal, uniformArray } from './init.js';
import { Module } from './module.js';

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    rng: InitRng,
    inChannels: number,
    outChannels: number,
    kernel: number,
    readonly options: { stride?: number; padding?: number; bias?: boolean } = {},
  ) {
    super();
    const shape = [outChannels, inChannels, kernel, kernel];
    this.weight = this.param('weight', Tensor.from(kaimingNormal(rng, shape), shape));
    const fanIn = inChannels * kernel * kernel;
    this.bias = options.bias ? this.param('bias', Tensor.from(uniformArray(rng, outChannels, 1 / Math.sqrt(fanIn)), [outChannels])) : null;
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.options.stride ?? 1, padding: this.options.padding ?? 0 });
  }
}

export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  /** PyTorch's num_batches_tracked: counted on the host, saved as an int64 scalar. */
  readonly numBatchesTracked = { value: 0 };
  /** AEGL's --freeze-bn (and the official protocol): normalise with the running statistics and leave them as they are, even in train mode. */
  frozen = false;

  constructor(channels: number, readonly momentum = 0.1, readonly eps = 1e-5) {
    super();
    this.weight = this.param('weight', Tensor.full([channels], 1));
    this.bias = this.param('bias', Tensor.zeros([channels]));
    this.runningMean = this.buffer('running_mean', Tensor.zeros([channels]));
    this.runningVar = this.buffer('running_var', Tensor.full([channels], 1));
  }

  protected override counters(): [string, { value: number }][] {
    return [['num_batches_tracked', this.numBatchesTracked]];
  }

  forward(x: Tensor): Tensor {
    return this.normalise(x, false);
  }

  /** relu(this.forward(x)), fused into the normalisation's own passes. */
  forwardRelu(x: Tensor): Tensor {
    return this.normalise(x, true);
  }

  /** relu(this.forward(x) + residual), a residual block's end, the sum and ReLU in the normalisation's pass. */
  forwardAddRelu(x: Tensor, residual: Tensor): Tensor {
    return this.normalise(x, true, residual);
  }

  private normalise(x: Tensor, relu: boolean, residual?: Tensor): Tensor {
    const training = this.training && !this.frozen;
    if (training) this.numBatchesTracked.value++;
    return batchNorm2d(x, this.weight, this.bias, this.runningMean, this.runningVar, {
      training,
      momentum: this.momentum,
      eps: this.eps,
      relu,
      residual,
    });
  }
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(rng: InitRng, inFeatures: number, outFeatures: number) {
    super();
    const shape = [outFeatures, inFeatures];
    this.weight = this.param('weight', Tensor.from(kaimingNormal(rng, shape), shape));
    this.bias = this.param('bias', Tensor.from(uniformArray(rng, outFeatures, 1 / Math.sqrt(inFeatures)), [outFeatures]));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** LDAM's cosine classifier: normalize(x, dim=1) · normalize(W, dim=0), W of shape [in, out]. */
export class NormedLinear extends Module {
  readonly weight: Tensor;

  constructor(rng: InitRng, inFeatures: number, outFeatures: number) {
    super();
    // weight.uniform_(-1, 1).renorm_(2, 1, 1e-5).mul_(1e5): every column gets norm 1.
    const w = uniformArray(rng, inFeatures * outFeatures, 1);
    for (let j = 0; j < outFeatures; j++) {
      let norm = 0;
      for (let i = 0; i < inFeatures; i++) norm += w[i * outFeatures + j] ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < inFeatures; i++) w[i * outFeatures + j] /= norm;
    }
    this.weight = this.param('weight', Tensor.from(w, [inFeatures, outFeatures]));
  }

  forward(x: Tensor): Tensor {
    return matmul(normalizeRows(x), normalizeCols(this.weight));
  }
}

/** Children named 0, 1, … as torch.nn.Sequential names them. */
export class Sequential extends Module {
  private readonly layers: Module[];

  constructor(layers: Module[]) {
    super();
    this.layers = layers.map((m, i) => this.child(String(i), m));
  }

  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, m) => m.forward(h), x);
  }
}
