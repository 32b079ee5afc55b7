// SGD with momentum, weight decay and Nesterov: torch.optim.SGD's semantics (dampening 0).
//
// One fused kernel per parameter (shaders/sgd.wgsl): each parameter owns its own GPU buffer and a
// bind group holds a fixed set of buffers, so one dispatch cannot reach a variable list of
// parameters unless they are packed into one flat arena, which Tensor does not offer (no views at
// offsets). At ~25 µs per dispatch on lavapipe, ResNet-32's ~100 parameter tensors cost ~2.5 ms a
// step, small beside its convolutions; a parameter arena would make it one dispatch.
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

const WG = 256;

export class SGD {
  /** Learning rate of the next step(); schedules set it between steps. */
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  /** Momentum buffers, allocated once here and updated in place (none without momentum). */
  private readonly buffers: Tensor[];
  /** Whether a parameter's buffer holds a value yet (PyTorch: buffer is None until its first step). */
  private readonly started: boolean[];
  private readonly uniform = new ArrayBuffer(32);

  constructor(readonly params: Tensor[], { lr, momentum = 0.9, weightDecay = 0, nesterov = false }: SGDOptions) {
    if (!(lr >= 0)) throw new Error(`SGD: invalid learning rate ${lr}`);
    if (!(momentum >= 0)) throw new Error(`SGD: invalid momentum ${momentum}`);
    if (!(weightDecay >= 0)) throw new Error(`SGD: invalid weight decay ${weightDecay}`);
    if (nesterov && momentum === 0) throw new Error('SGD: Nesterov momentum requires a momentum'); // as PyTorch
    this.lr = lr;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.buffers = momentum ? params.map((p) => Tensor.zeros(p.shape).keep()) : [];
    this.started = params.map(() => false);
  }

  /** Updates every parameter that has a gradient; recorded into the current submit. */
  step(): void {
    const f = new Float32Array(this.uniform);
    const u = new Uint32Array(this.uniform);
    f[0] = this.lr;
    f[1] = this.momentum;
    f[2] = this.weightDecay;
    u[3] = this.nesterov ? 1 : 0;
    this.params.forEach((p, k) => {
      const g = p.grad;
      if (!g || g.disposed) return;
      if (g.size !== p.size) throw new Error(`SGD: gradient [${g.shape.join(', ')}] does not match parameter [${p.shape.join(', ')}]`);
      const groups = grid1d(Math.ceil(p.size / WG));
      if (this.momentum) {
        u[4] = this.started[k] ? 0 : 1;
        this.started[k] = true;
        engine().run({ shader: 'sgd', entry: 'momentum_step' }, [p, g, this.buffers[k]], groups, f);
      } else {
        engine().run({ shader: 'sgd', entry: 'plain_step' }, [p, g], groups, f);
      }
    });
  }

  /** Drops every gradient (PyTorch's zero_grad(set_to_none=True)): the next backward starts afresh. */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The momentum buffers in parameter order, for checkpoints (empty without momentum). */
  stateTensors(): Tensor[] {
    return this.buffers;
  }

  /** After loading saved momentum buffers: continue them instead of restarting with buf = d. */
  markStarted(): void {
    this.started.fill(true);
  }

  /** Returns the momentum buffers to the pool. */
  dispose(): void {
    for (const b of this.buffers) b.dispose();
  }
}
