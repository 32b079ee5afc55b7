// Tensor: a shape, a dtype and a pooled GPU buffer, plus the autograd fields.
// Memory is explicit: tidy(fn) disposes every tensor created inside fn except what fn returns
// or what was kept, so a training step returns its buffers to the pool deterministically.
import { engine, grid1d } from './gpu/engine.js';
import type { Bindable } from './gpu/kernels.js';

export type DType = 'f32' | 'u32';

/** A buffer shared by a tensor and its reshaped views. */
interface Storage {
  buffer: GPUBuffer;
  refs: number;
}

/** How an op's result gets its input gradients: one entry per parent, null where not needed. */
export interface GradNode {
  readonly op: string;
  readonly parents: readonly Tensor[];
  backward(grad: Tensor, needs: readonly boolean[]): (Tensor | null)[];
  /**
   * The same for a gradient that arrived in several parts (the output had several consumers),
   * given unsummed, in arrival order: for an op that can fold the sum into its first pass.
   */
  backwardOfSum?(parts: readonly Tensor[], needs: readonly boolean[]): (Tensor | null)[];
}

const scopes: Set<Tensor>[] = [];

/** Row counts whose tensors get buffers for more rows, while a withRowCapacity callback records. */
let rowCapacities: ReadonlyMap<number, number> | null = null;

/**
 * Records `fn` with every new tensor whose first dimension is one of `rows` given a buffer for
 * that many rows rounded up to a multiple of `step` (or more: the pool's size classes). A batch
 * whose size varies from step to step (AEGL's attacked tail examples, and the training batch they
 * join) then draws on a few buffer sizes, as if padded, while its kernels compute the real rows
 * only: a binding spans its tensor's own bytes, never the slack. Another tensor that happens to
 * have such a first dimension (a weight gradient) only gets the slack too.
 */
export function withRowCapacity<T>(rows: readonly number[], step: number, fn: () => T): T {
  const outer = rowCapacities;
  rowCapacities = new Map(rows.map((r) => [r, Math.ceil(r / step) * step]));
  try {
    return fn();
  } finally {
    rowCapacities = outer;
  }
}

/** The rows a tensor of `rows` rows gets a buffer for: `rows` itself outside withRowCapacity. */
export function rowCapacity(rows: number): number {
  return rowCapacities?.get(rows) ?? rows;
}

export class Tensor implements Bindable {
  readonly size: number;
  /** A leaf that wants a gradient (a parameter, or an input under attack). */
  requiresGrad = false;
  grad: Tensor | null = null;
  node: GradNode | null = null;
  private storage: Storage | null;

  private constructor(readonly shape: readonly number[], readonly dtype: DType, storage: Storage | null, capacityRows = 0) {
    this.size = shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(this.size) || this.size < 0) throw new Error(`invalid tensor shape [${shape.join(', ')}]`);
    const e = engine();
    if (storage) {
      storage.refs++;
    } else {
      const rows = shape[0] ? Math.max(capacityRows, rowCapacity(shape[0])) : 0;
      storage = { buffer: e.pool.acquire(rows ? (this.size / shape[0]) * rows * 4 : this.size * 4), refs: 1 };
    }
    this.storage = storage;
    scopes[scopes.length - 1]?.add(this);
    if (e.poison && storage.refs === 1) fillBits(this, 0x7fc00000);
  }

  /**
   * An uninitialised tensor (its buffer may hold a previous tensor's values); `capacityRows`: a
   * buffer for at least that many rows (a scratch tensor whose row count varies with the batch).
   */
  static empty(shape: readonly number[], dtype: DType = 'f32', capacityRows = 0): Tensor {
    return new Tensor([...shape], dtype, null, capacityRows);
  }

  static from(data: ArrayLike<number>, shape: readonly number[] = [data.length], dtype: DType = 'f32'): Tensor {
    const t = Tensor.empty(shape, dtype);
    if (data.length !== t.size) throw new Error(`tensor data has ${data.length} values, shape [${shape.join(', ')}] needs ${t.size}`);
    const typed = dtype === 'f32' ? Float32Array.from(data) : Uint32Array.from(data);
    engine().upload(t, typed);
    return t;
  }

  static zeros(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    const t = Tensor.empty(shape, dtype);
    fillBits(t, 0);
    return t;
  }

  static full(shape: readonly number[], value: number): Tensor {
    const t = Tensor.empty(shape, 'f32');
    fillBits(t, f32Bits(value));
    return t;
  }

  get buffer(): GPUBuffer {
    if (!this.storage) throw new Error('tensor used after dispose()');
    return this.storage.buffer;
  }

  get byteLength(): number {
    return this.size * 4;
  }

  get disposed(): boolean {
    return this.storage === null;
  }

  /** A tensor of another shape over the same buffer. */
  reshape(shape: readonly number[]): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== this.size) throw new Error(`cannot reshape [${this.shape.join(', ')}] to [${shape.join(', ')}]`);
    if (!this.storage) throw new Error('tensor used after dispose()');
    return new Tensor([...shape], this.dtype, this.storage);
  }

  dispose(): void {
    const s = this.storage;
    if (!s) return;
    this.storage = null;
    if (--s.refs === 0) engine().pool.release(s.buffer);
  }

  /** Takes the tensor out of every enclosing tidy scope. */
  keep(): this {
    for (const s of scopes) s.delete(this);
    return this;
  }

  async read(): Promise<Float32Array | Uint32Array> {
    const bytes = await engine().read(this);
    return this.dtype === 'f32' ? new Float32Array(bytes) : new Uint32Array(bytes);
  }

  async item(): Promise<number> {
    return (await this.read())[0];
  }
}

/** The 32-bit pattern of `value` as an f32 (for fillBits). */
export const f32Bits = (value: number): number => new Uint32Array(new Float32Array([value]).buffer)[0];

/** Writes one 32-bit pattern into the first `count` elements, all by default (zeros, a constant, or the test poison). */
export function fillBits(t: Tensor, bits: number, count = t.size): void {
  const words = Math.max(1, count);
  engine().run({ shader: 'fill' }, [t], grid1d(Math.ceil(words / 256)), new Uint32Array([bits, count, 0, 0]));
}

type Kept = Tensor | Tensor[] | Record<string, Tensor> | void | number | undefined;

function collect(result: unknown, into: Set<Tensor>): void {
  if (result instanceof Tensor) into.add(result);
  else if (Array.isArray(result)) for (const r of result) collect(r, into);
  else if (result && typeof result === 'object') for (const r of Object.values(result)) collect(r, into);
}

/** Runs fn (synchronously) and disposes the tensors it created, except those it returns. */
export function tidy<T extends Kept | unknown>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const kept = new Set<Tensor>();
  collect(result, kept);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}
