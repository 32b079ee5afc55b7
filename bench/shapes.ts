// The layer workloads the suite times: ResNet-32 (CIFAR, 32×32×3) and the Fashion-MNIST CNN
// (28×28×1) of DESIGN.md, at the training batch size 128.
export const BATCH = 128;

export type Net = 'resnet32' | 'fmnist';

/** One conv layer: input [N, C, H, W], weight [K, C, 3, 3], stride, padding 1. */
export interface ConvShape {
  net: Net;
  x: number[];
  w: number[];
  stride: number;
  pad: number;
}

const conv = (net: Net, cin: number, h: number, cout: number, stride = 1): ConvShape => ({
  net, x: [BATCH, cin, h, h], w: [cout, cin, 3, 3], stride, pad: 1,
});

/** Every distinct conv of ResNet-32 (stem, three stages, the two stride-2 transitions) and of the CNN. */
export const CONV_SHAPES: ConvShape[] = [
  conv('resnet32', 3, 32, 16),
  conv('resnet32', 16, 32, 16),
  conv('resnet32', 16, 32, 32, 2),
  conv('resnet32', 32, 16, 32),
  conv('resnet32', 32, 16, 64, 2),
  conv('resnet32', 64, 8, 64),
  conv('fmnist', 1, 28, 32),
  conv('fmnist', 32, 14, 64),
];

/** Activations [N, C, H, W] that batch norm, ReLU and the residual add see. */
export const ACTIVATIONS: { net: Net; shape: number[] }[] = [
  { net: 'resnet32', shape: [BATCH, 16, 32, 32] },
  { net: 'resnet32', shape: [BATCH, 32, 16, 16] },
  { net: 'resnet32', shape: [BATCH, 64, 8, 8] },
  { net: 'fmnist', shape: [BATCH, 32, 28, 28] },
  { net: 'fmnist', shape: [BATCH, 64, 14, 14] },
];

/** Fully connected layers as [in, out]. */
export const LINEAR_SHAPES: { net: Net; in: number; out: number }[] = [
  { net: 'resnet32', in: 64, out: 10 },
  { net: 'fmnist', in: 64 * 7 * 7, out: 128 },
  { net: 'fmnist', in: 128, out: 10 },
];

/** Parameter tensors of ResNet-32 for 10 classes (464,154 values), for the fused SGD step. */
export function resnet32ParamShapes(classes = 10): number[][] {
  const shapes: number[][] = [[16, 3, 3, 3], [16], [16]];
  let cin = 16;
  for (const c of [16, 32, 64]) {
    for (let b = 0; b < 5; b++) {
      shapes.push([c, cin, 3, 3], [c], [c], [c, c, 3, 3], [c], [c]);
      cin = c;
    }
  }
  shapes.push([classes, 64], [classes]);
  return shapes;
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export const shapeLabel = (shape: readonly number[]): string => shape.join('×');
