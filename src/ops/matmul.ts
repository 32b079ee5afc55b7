// Matrix products: matmul (C = op(A)·op(B), both gradients) and linear (x·wᵀ + b, as
// torch.nn.functional.linear). The kernel variant is a parameter so a tuner can pick per shape.
import { record } from '../autograd.js';
import { engine, grid1d } from '../gpu/engine.js';
import { chooseVariant, registerTunable } from '../gpu/tuner.js';
import { Tensor } from '../tensor.js';
import { sumRows } from './reduce.js';

export const MATMUL_VARIANTS = ['blocked', 'tiled'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  /** 'blocked' (register-blocked, no workgroup memory: the lavapipe winner) or 'tiled'. */
  variant?: MatmulVariant;
}

/** Output elements per workgroup side: 8×8 invocations × 4×4 (blocked), 16×16 × 4×4 (tiled). */
const TILE: Record<MatmulVariant, number> = { blocked: 32, tiled: 64 };
const MAX_WORKGROUPS = 65535;

function dims(t: Tensor, trans: boolean | undefined): [number, number] {
  if (t.shape.length !== 2) throw new Error(`matmul: expected a 2-D tensor, got [${t.shape.join(', ')}]`);
  const [r, c] = t.shape;
  return trans ? [c, r] : [r, c];
}

/** The tuner's shape key, e.g. `m128k576n64-tb`, parsed back by the tunable below. */
function matmulKey(m: number, k: number, n: number, o: MatmulOptions): string {
  return `m${m}k${k}n${n}${o.transA ? '-ta' : ''}${o.transB ? '-tb' : ''}`;
}

registerTunable('matmul', MATMUL_VARIANTS, (key) => {
  const [, m, k, n] = (/^m(\d+)k(\d+)n(\d+)/.exec(key) ?? []).map(Number);
  const o = { transA: key.includes('-ta'), transB: key.includes('-tb') };
  return {
    inputs: [o.transA ? [k, m] : [m, k], o.transB ? [n, k] : [k, n]],
    run: (variant, [a, b]) => matmulKernel(a, b, { ...o, variant: variant as MatmulVariant }),
  };
});

function matmulKernel(a: Tensor, b: Tensor, o: MatmulOptions): Tensor {
  const [m, k] = dims(a, o.transA);
  const [kb, n] = dims(b, o.transB);
  if (k !== kb) {
    throw new Error(`matmul: inner sizes differ: op(A) is [${m}, ${k}], op(B) is [${kb}, ${n}] (shapes [${a.shape}] and [${b.shape}])`);
  }
  const variant = o.variant ?? (chooseVariant('matmul', matmulKey(m, k, n, o), MATMUL_VARIANTS, 'blocked') as MatmulVariant);
  if (!MATMUL_VARIANTS.includes(variant)) throw new Error(`matmul: unknown variant "${variant}"`);
  const out = Tensor.empty([m, n]);
  const tile = TILE[variant];
  const groups = [Math.ceil(n / tile), Math.ceil(m / tile)];
  if (groups[0] > MAX_WORKGROUPS || groups[1] > MAX_WORKGROUPS) throw new Error(`matmul: [${m}, ${n}] output too large for one dispatch`);
  if (out.size === 0) return out;
  if (k === 0) throw new Error('matmul: inner size 0');
  const constants = { N: n, TA: o.transA ? 1 : 0, TB: o.transB ? 1 : 0 };
  // blocked on vec4 loads where every row it loads is whole vec4s: the same result, fewer loads (shaders/matmul.wgsl).
  const vec4Rows = n % 4 === 0 && (o.transA ? m % 4 === 0 : k % 4 === 0) && (!o.transB || k % 4 === 0);
  const entry = variant === 'blocked' && vec4Rows ? 'blocked_vec4' : variant;
  engine().run({ shader: 'matmul', entry, constants }, [a, b, out], groups);
  return out;
}

/**
 * C[M, N] = op(A)·op(B) with op = transpose where asked. Gradients, for G = ∂L/∂C:
 * ∂op(A) = G·op(B)ᵀ and ∂op(B) = op(A)ᵀ·G, each written straight in A's or B's stored layout.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false, variant } = options;
  const out = matmulKernel(a, b, options);
  return record(out, 'matmul', [a, b], (g, needs) => [
    needs[0] ? (transA ? matmulKernel(b, g, { transA: transB, transB: true, variant }) : matmulKernel(g, b, { transB: !transB, variant })) : null,
    needs[1] ? (transB ? matmulKernel(g, a, { transA: true, transB: transA, variant }) : matmulKernel(a, g, { transA: !transA, variant })) : null,
  ]);
}

function addBias(y: Tensor, bias: Tensor): Tensor {
  engine().run({ shader: 'matmul', entry: 'add_bias', constants: { N: bias.size } }, [bias, y], grid1d(Math.ceil(y.size / 256)));
  return y;
}

/**
 * y = x·wᵀ + b for x [N, in], w [out, in], b [out]: torch.nn.functional.linear. Gradients
 * dx = g·w, dw = gᵀ·x, db = sumRows(g), each only when `needs` asks for it.
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor, variant?: MatmulVariant): Tensor {
  if (w.shape.length !== 2 || x.shape.length !== 2 || x.shape[1] !== w.shape[1]) {
    throw new Error(`linear: x [${x.shape.join(', ')}] and weight [${w.shape.join(', ')}] do not fit (want [N, in] and [out, in])`);
  }
  if (b && (b.shape.length !== 1 || b.size !== w.shape[0])) throw new Error(`linear: bias [${b.shape.join(', ')}] should be [${w.shape[0]}]`);
  const y = matmulKernel(x, w, { transB: true, variant });
  if (b) addBias(y, b);
  const parents = b ? [x, w, b] : [x, w];
  return record(y, 'linear', parents, (g, needs) => [
    needs[0] ? matmulKernel(g, w, { variant }) : null,
    needs[1] ? matmulKernel(g, x, { transA: true, variant }) : null,
    b && needs[2] ? sumRows(g) : null,
  ]);
}
