// The Fashion-MNIST "small CNN" (the paper leaves it unspecified; DESIGN.md fixes it):
// conv3×3(32)+BN+ReLU+maxpool → conv3×3(64)+BN+ReLU+maxpool → FC 128 + ReLU → FC classes.
// Convolutions have no bias: the batch norm that follows would cancel it.
import { relu } from '../../ops/elementwise.js';
import { maxPool2d } from '../../ops/pool.js';
import { flatten } from '../../ops/shape.js';
import type { Tensor } from '../../tensor.js';
import { InitRng } from '../init.js';
import { BatchNorm2d, Conv2d, Linear, NormedLinear } from '../layers.js';
import { Module } from '../module.js';

export class FashionCnn extends Module {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly fc1: Linear;
  private readonly fc2: Module;

  constructor(options: { numClasses: number; inChannels?: number; size?: number; normedHead?: boolean; seed?: number }) {
    super();
    const rng = new InitRng(options.seed ?? 0);
    const side = Math.floor(Math.floor((options.size ?? 28) / 2) / 2);
    this.conv1 = this.child('conv1', new Conv2d(rng, options.inChannels ?? 1, 32, 3, { padding: 1 }));
    this.bn1 = this.child('bn1', new BatchNorm2d(32));
    this.conv2 = this.child('conv2', new Conv2d(rng, 32, 64, 3, { padding: 1 }));
    this.bn2 = this.child('bn2', new BatchNorm2d(64));
    this.fc1 = this.child('fc1', new Linear(rng, 64 * side * side, 128));
    const head = options.normedHead ? new NormedLinear(rng, 128, options.numClasses) : new Linear(rng, 128, options.numClasses);
    this.fc2 = this.child('fc2', head);
  }

  forward(x: Tensor): Tensor {
    const h1 = maxPool2d(this.bn1.forwardRelu(this.conv1.forward(x)));
    const h2 = maxPool2d(this.bn2.forwardRelu(this.conv2.forward(h1)));
    return this.fc2.forward(relu(this.fc1.forward(flatten(h2))));
  }
}
