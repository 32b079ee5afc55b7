// ResNet-32 for CIFAR exactly as the LDAM-DRW reference (resnet_cifar.py, resnet32): 3×3 stem of
// 16 channels, three stages of five basic blocks at 16/32/64 channels, option-A shortcuts, global
// average pool, then a linear head (or LDAM's cosine NormedLinear). 464,154 parameters for 10 classes.
import { globalAvgPool } from '../../ops/pool.js';
import { shortcutA } from '../../ops/shortcut.js';
import type { Tensor } from '../../tensor.js';
import { InitRng } from '../init.js';
import { BatchNorm2d, Conv2d, Linear, NormedLinear, Sequential } from '../layers.js';
import { Module } from '../module.js';

class BasicBlock extends Module {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly downsample: boolean;

  constructor(rng: InitRng, inPlanes: number, readonly planes: number, stride: number) {
    super();
    this.conv1 = this.child('conv1', new Conv2d(rng, inPlanes, planes, 3, { stride, padding: 1 }));
    this.bn1 = this.child('bn1', new BatchNorm2d(planes));
    this.conv2 = this.child('conv2', new Conv2d(rng, planes, planes, 3, { padding: 1 }));
    this.bn2 = this.child('bn2', new BatchNorm2d(planes));
    this.downsample = stride !== 1 || inPlanes !== planes;
  }

  forward(x: Tensor): Tensor {
    const out = this.conv2.forward(this.bn1.forwardRelu(this.conv1.forward(x)));
    return this.bn2.forwardAddRelu(out, this.downsample ? shortcutA(x, this.planes) : x);
  }
}

export class ResNet32 extends Module {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly stages: Sequential[];
  private readonly head: Module;

  constructor(options: { numClasses: number; inChannels?: number; normedHead?: boolean; seed?: number }) {
    super();
    const rng = new InitRng(options.seed ?? 0);
    this.conv1 = this.child('conv1', new Conv2d(rng, options.inChannels ?? 3, 16, 3, { padding: 1 }));
    this.bn1 = this.child('bn1', new BatchNorm2d(16));
    let inPlanes = 16;
    this.stages = [16, 32, 64].map((planes, s) => {
      const blocks = [0, 1, 2, 3, 4].map((b) => {
        const block = new BasicBlock(rng, inPlanes, planes, b === 0 && s > 0 ? 2 : 1);
        inPlanes = planes;
        return block;
      });
      return this.child(`layer${s + 1}`, new Sequential(blocks));
    });
    const head = options.normedHead ? new NormedLinear(rng, 64, options.numClasses) : new Linear(rng, 64, options.numClasses);
    this.head = this.child('linear', head);
  }

  forward(x: Tensor): Tensor {
    let h = this.bn1.forwardRelu(this.conv1.forward(x));
    for (const stage of this.stages) h = stage.forward(h);
    return this.head.forward(globalAvgPool(h));
  }
}
