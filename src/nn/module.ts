// Module: PyTorch's nn.Module reduced to what training needs — named parameters and buffers
// (state_dict names as PyTorch writes them), children, and the train/eval switch.
import type { Tensor } from '../tensor.js';

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Registers a trainable tensor under `name` (kept out of any tidy scope). */
  protected param(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this.params.set(name, t.keep());
    return t;
  }

  /** Registers a non-trainable state tensor (running statistics). */
  protected buffer(name: string, t: Tensor): Tensor {
    this.buffers.set(name, t.keep());
    return t;
  }

  protected child<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.params].map(([n, t]) => [prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameters and buffers in registration order, with PyTorch's dotted names. */
  namedState(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, t] of this.buffers) out.push([prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.namedState(`${prefix}${n}.`));
    return out;
  }

  /** Host-side integer state (BatchNorm's num_batches_tracked), by dotted name. */
  namedCounters(prefix = ''): [string, { value: number }][] {
    const out: [string, { value: number }][] = this.counters().map(([n, c]) => [prefix + n, c]);
    for (const [n, c] of this.children) out.push(...c.namedCounters(`${prefix}${n}.`));
    return out;
  }

  protected counters(): [string, { value: number }][] {
    return [];
  }

  /** This module and every descendant, depth first. */
  modules(): Module[] {
    return [this, ...[...this.children.values()].flatMap((c) => c.modules())];
  }

  train(mode = true): this {
    this.training = mode;
    for (const c of this.children.values()) c.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  parameterCount(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }
}
