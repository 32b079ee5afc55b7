// A split resident on the GPU: its u8 images uploaded once (in shards that respect the binding
// size limit), its labels as u32, and per epoch a shuffled order. Each batch is then gathered,
// converted, augmented and normalised by shaders/batch.wgsl with nothing uploaded per step.
import { engine, grid1d } from '../gpu/engine.js';
import { RngStream } from '../rng-streams.js';
import { randU32, seededPermutation } from '../rng.js';
import { Tensor } from '../tensor.js';
import { imageBytes, type ImageShape, type Split } from './dataset.js';

export interface Augmentation {
  /** Random-crop padding in pixels (0: no crop). */
  cropPadding: number;
  horizontalFlip: boolean;
}

export const NO_AUGMENTATION: Augmentation = { cropPadding: 0, horizontalFlip: false };

/** The usual training augmentation per dataset: crop (pad 4) + flip for CIFAR and image folders, none for Fashion-MNIST. */
export function defaultAugmentation(dataset: string): Augmentation {
  return dataset === 'fmnist' ? NO_AUGMENTATION : { cropPadding: 4, horizontalFlip: true };
}

export interface GpuDatasetOptions {
  /** Seeds the epoch shuffles and the augmentation draws (default 0). */
  seed?: number;
  /** Applied by batch(…, { augment: true }). */
  augmentation?: Augmentation;
  /** Per-channel (x − mean) / std after conversion to [0, 1]; none by default, as the AEGL code. */
  normalize?: { mean: number[]; std: number[] };
  /** Largest shard in bytes; default the device's storage-binding limit (tests make it small). */
  maxShardBytes?: number;
}

export interface Batch {
  /** [B, C, H, W] f32. */
  x: Tensor;
  /** [B] u32 class indices. */
  y: Tensor;
}

interface Shard {
  bytes: Tensor;
  first: number;
  count: number;
}

const WG = 256;
// Keeps the pool's size-class rounding far below any device's maxBufferSize.
const MAX_SHARD_BYTES = 1 << 30;

/** The shuffled order of `count` examples for one epoch: the same for a given (seed, epoch) everywhere. */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  return seededPermutation(count, randU32(seed, RngStream.epochShuffle, epoch), RngStream.epochShuffle);
}

export class GpuDataset {
  readonly count: number;
  private readonly order: Tensor;
  private readonly labels: Tensor;
  private epoch = -1;

  private constructor(
    readonly shape: ImageShape,
    private readonly shards: Shard[],
    /** The labels in record order, kept on the host too (evaluation counts predictions against them). */
    readonly hostLabels: Split['labels'],
    private readonly seed: number,
    private readonly augmentation: Augmentation,
    private readonly params: Uint32Array,
  ) {
    this.count = hostLabels.length;
    this.labels = Tensor.from(Uint32Array.from(hostLabels), [this.count], 'u32').keep();
    this.order = Tensor.empty([this.count], 'u32').keep();
  }

  /** Uploads a split once. May be called inside a tidy: its buffers live until dispose(). */
  static upload(split: Split, shape: ImageShape, opts: GpuDatasetOptions = {}): GpuDataset {
    const per = imageBytes(shape);
    const count = split.labels.length;
    if (count === 0) throw new Error('GpuDataset.upload: the split has no images');
    if (split.images.length !== count * per) throw new Error(`GpuDataset.upload: ${split.images.length} image bytes for ${count} images of ${per}`);
    if (shape.channels > 4) throw new Error(`GpuDataset: at most 4 channels (got ${shape.channels})`);
    const limits = engine().device.limits;
    const maxBytes = opts.maxShardBytes ?? Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, MAX_SHARD_BYTES);
    const perShard = Math.floor(Math.floor(maxBytes / 4) * 4 / per);
    if (perShard < 1) throw new Error(`GpuDataset: one image (${per} bytes) exceeds the shard limit of ${maxBytes} bytes`);
    const shards: Shard[] = [];
    for (let first = 0; first < count; first += perShard) {
      const n = Math.min(perShard, count - first);
      const bytes = Tensor.empty([Math.ceil((n * per) / 4)], 'u32').keep();
      engine().upload(bytes, split.images.subarray(first * per, (first + n) * per));
      shards.push({ bytes, first, count: n });
    }
    // Uniform layout of shaders/batch.wgsl: 8 u32, then mean and 1/std as vec4f.
    const params = new Uint32Array(16);
    const floats = new Float32Array(params.buffer);
    for (let c = 0; c < 4; c++) {
      floats[8 + c] = opts.normalize?.mean[c] ?? 0;
      floats[12 + c] = 1 / (opts.normalize?.std[c] ?? 1);
    }
    return new GpuDataset(shape, shards, split.labels, opts.seed ?? 0, opts.augmentation ?? NO_AUGMENTATION, params);
  }

  get numShards(): number {
    return this.shards.length;
  }

  /** Batches per epoch; the last one may be smaller (kept, as PyTorch's DataLoader with drop_last=False). */
  numBatches(batchSize: number): number {
    return Math.ceil(this.count / batchSize);
  }

  /** Uploads this epoch's shuffled order (the only upload of the epoch) and returns it. */
  startEpoch(epoch: number): Uint32Array {
    const order = epochOrder(this.count, this.seed, epoch);
    engine().upload(this.order, order);
    this.epoch = epoch;
    return order;
  }

  /** Training batch k of the current epoch (shuffled; augmented unless told otherwise). */
  batch(k: number, batchSize: number, { augment = true }: { augment?: boolean } = {}): Batch {
    if (this.epoch < 0) throw new Error('GpuDataset.batch: call startEpoch(epoch) first');
    return this.gather(k, batchSize, true, augment);
  }

  /** Evaluation batch k: records in order, never augmented. */
  evalBatch(k: number, batchSize: number): Batch {
    return this.gather(k, batchSize, false, false);
  }

  private gather(k: number, batchSize: number, shuffled: boolean, augment: boolean): Batch {
    const offset = k * batchSize;
    if (!Number.isInteger(k) || k < 0 || offset >= this.count) throw new Error(`GpuDataset: batch ${k} of size ${batchSize} is past the ${this.count} examples`);
    const n = Math.min(batchSize, this.count - offset);
    const { channels: C, height: H, width: W } = this.shape;
    const x = Tensor.empty([n, C, H, W]);
    const y = Tensor.empty([n], 'u32');
    const a = this.augmentation;
    const spec = {
      shader: 'batch',
      constants: { C, H, W, PAD: a.cropPadding, FLIP: a.horizontalFlip ? 1 : 0, CROP_STREAM: RngStream.augmentCrop, FLIP_STREAM: RngStream.augmentFlip },
    };
    const p = this.params;
    p[0] = offset;
    p[1] = n;
    p[4] = (Math.max(this.epoch, 0) * this.count + offset) >>> 0;
    p[5] = this.seed;
    p[6] = (shuffled ? 1 : 0) | (augment ? 2 : 0);
    const workgroups = grid1d(Math.ceil((n * C * H * W) / WG));
    for (const s of this.shards) {
      p[2] = s.first;
      p[3] = s.count;
      engine().run(spec, [s.bytes, this.order, this.labels, x, y], workgroups, p);
    }
    return { x, y };
  }

  dispose(): void {
    for (const s of this.shards) s.bytes.dispose();
    this.order.dispose();
    this.labels.dispose();
  }
}
