// The tape, micrograd-style: each op result remembers its parents and a closure for their
// gradients; backward() walks them in reverse topological order. Closures are told which parents
// need a gradient, so asking for ∂L/∂x alone runs no weight-gradient kernel.
import { add, sumInOrder } from './ops/elementwise.js';
import { Tensor, type GradNode } from './tensor.js';

let gradEnabled = true;

/** Runs fn without recording the tape (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const was = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = was;
  }
}

export function tracksGrad(t: Tensor): boolean {
  return t.requiresGrad || t.node !== null;
}

/** Attaches a gradient closure to `out` when grad mode is on and any parent is tracked. */
export function record(
  out: Tensor,
  op: string,
  parents: readonly Tensor[],
  backward: GradNode['backward'],
  backwardOfSum?: GradNode['backwardOfSum'],
): Tensor {
  if (gradEnabled && parents.some(tracksGrad)) out.node = { op, parents, backward, backwardOfSum };
  return out;
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const p of t.node?.parents ?? []) if (!seen.has(p)) stack.push([p, false]);
  }
  return order; // parents before children
}

export interface BackwardOptions {
  /** Gradient of the root; ones for a scalar root when absent. */
  grad?: Tensor;
  /** Compute gradients for these tensors only and return them instead of filling `.grad`. */
  inputs?: readonly Tensor[];
}

/**
 * Back-propagates from `root`. Without `inputs`, accumulates into `.grad` of every leaf with
 * requiresGrad and returns an empty map; with `inputs`, returns their gradients and leaves
 * `.grad` untouched.
 */
export function backward(root: Tensor, options: BackwardOptions = {}): Map<Tensor, Tensor> {
  const order = topoOrder(root);
  const targets = new Set(options.inputs ?? order.filter((t) => t.requiresGrad && !t.node));
  // A tensor needs a gradient when it is a target or one of its parents needs one.
  const needs = new Map<Tensor, boolean>();
  for (const t of order) needs.set(t, targets.has(t) || (t.node?.parents.some((p) => needs.get(p)) ?? false));

  // Each tensor's gradient in the parts its consumers sent, summed when it is used (in arrival
  // order), or handed over unsummed to an op that folds the sum into its own first pass.
  const grads = new Map<Tensor, Tensor[]>();
  if (options.grad) grads.set(root, [options.grad]);
  else if (root.size === 1) grads.set(root, [Tensor.full(root.shape, 1)]);
  else throw new Error(`backward() of a non-scalar tensor [${root.shape.join(', ')}] needs options.grad`);

  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const parts = grads.get(t);
    if (!parts || !t.node || !needs.get(t)) continue;
    const parentNeeds = t.node.parents.map((p) => needs.get(p) ?? false);
    const parentGrads =
      parts.length > 1 && t.node.backwardOfSum ? t.node.backwardOfSum(parts, parentNeeds) : t.node.backward(sumInOrder(parts), parentNeeds);
    t.node.parents.forEach((p, k) => {
      const pg = parentGrads[k];
      if (!pg || !parentNeeds[k]) return;
      const prev = grads.get(p);
      if (prev) prev.push(pg);
      else grads.set(p, [pg]);
    });
  }

  const result = new Map<Tensor, Tensor>();
  for (const t of targets) {
    const parts = grads.get(t);
    if (!parts) continue;
    const g = sumInOrder(parts);
    if (options.inputs) {
      result.set(t, g);
    } else {
      const prev = t.grad && !t.grad.disposed ? t.grad : null;
      t.grad = prev ? add(prev, g) : g;
    }
  }
  return result;
}
