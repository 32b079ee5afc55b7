// Float64 reference of torch.optim.SGD (dampening 0): one parameter over a sequence of gradients.
export interface SgdSettings {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

/** The parameter after each step; a null gradient skips the step (and does not start the buffer). */
export function sgdSteps(p0: Float64Array, grads: (Float64Array | null)[], s: SgdSettings): Float64Array[] {
  const p = p0.slice();
  const buf = new Float64Array(p.length);
  let started = false;
  const history: Float64Array[] = [];
  for (const g of grads) {
    if (g) {
      const d = g.map((v, i) => v + s.weightDecay * p[i]);
      let step = d;
      if (s.momentum !== 0) {
        for (let i = 0; i < p.length; i++) buf[i] = started ? s.momentum * buf[i] + d[i] : d[i];
        started = true;
        step = s.nesterov ? d.map((v, i) => v + s.momentum * buf[i]) : buf;
      }
      for (let i = 0; i < p.length; i++) p[i] -= s.lr * step[i];
    }
    history.push(p.slice());
  }
  return history;
}
