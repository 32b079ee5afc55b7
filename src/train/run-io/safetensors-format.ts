// safetensors, exactly as the format (huggingface/safetensors) defines it: an 8-byte little-endian
// header length N, N bytes of JSON ({name: {dtype, shape, data_offsets: [begin, end]}, plus an
// optional "__metadata__" of string → string}), then the tensors' bytes, contiguous, offsets
// relative to the end of the header. Like the reference writer we pad the header with spaces to a
// multiple of 8 and lay tensors out by decreasing alignment, then by name, so every tensor starts
// aligned. Reads what PyTorch's `safetensors.torch.save_file` writes (F32 weights, I64
// `num_batches_tracked`). Typed arrays use the host's byte order: little-endian on every platform
// this runs on. Bytes only: Node's files are safetensors.ts's, a page's downloads its own.
import { UserError } from '../../errors.js';

type TypedArray =
  | Float64Array | Float32Array | BigInt64Array | BigUint64Array | Int32Array | Uint32Array
  | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** The typed array that holds each dtype (F16/BF16 as raw 16-bit words); its BYTES_PER_ELEMENT is the element size. */
const DTYPES = {
  F64: Float64Array,
  I64: BigInt64Array,
  U64: BigUint64Array,
  F32: Float32Array,
  I32: Int32Array,
  U32: Uint32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I16: Int16Array,
  U16: Uint16Array,
  I8: Int8Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
} as const;

export type SafeDType = keyof typeof DTYPES;

export interface SafeTensor {
  name: string;
  dtype: SafeDType;
  /** [] for a scalar (one element), as PyTorch writes `num_batches_tracked`. */
  shape: number[];
  data: TypedArray;
}

export interface SafetensorsFile {
  /** In file order (by data offset). */
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
/** The reference reader's cap on the header; anything larger is corruption, not a model. */
const MAX_HEADER_BYTES = 100_000_000;

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function isDType(d: unknown): d is SafeDType {
  return typeof d === 'string' && Object.hasOwn(DTYPES, d);
}

/** The file's bytes, in parts to write one after another: tensors and optional string metadata. */
export function encodeSafetensors(tensors: readonly SafeTensor[], metadata?: Record<string, string>): Uint8Array[] {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === METADATA_KEY || seen.has(t.name)) throw new Error(`safetensors: duplicate or reserved tensor name "${t.name}"`);
    seen.add(t.name);
    if (!isDType(t.dtype)) throw new Error(`safetensors: unknown dtype ${String(t.dtype)} for ${t.name}`);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`safetensors: bad shape [${t.shape}] for ${t.name}`);
    if (!(t.data instanceof DTYPES[t.dtype])) throw new Error(`safetensors: ${t.name} is ${t.dtype} but its data is a ${t.data.constructor.name}`);
    if (t.data.length !== numel(t.shape)) {
      throw new Error(`safetensors: ${t.name} has ${t.data.length} values, shape [${t.shape.join(', ')}] needs ${numel(t.shape)}`);
    }
  }
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string') throw new Error(`safetensors: metadata "${k}" must be a string (the format allows only strings)`);
  }

  // Largest alignment first, then by name: the reference writer's order, so offsets stay aligned.
  const order = [...tensors].sort((a, b) => DTYPES[b.dtype].BYTES_PER_ELEMENT - DTYPES[a.dtype].BYTES_PER_ELEMENT || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const t of order) {
    const end = offset + t.data.byteLength;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const json = new Uint8Array(Math.ceil(text.length / 8) * 8).fill(0x20);
  json.set(text);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  return [prefix, json, ...order.map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))];
}

/** Parses a safetensors file's bytes; a truncated or malformed file is a one-line UserError naming `path`. */
export function decodeSafetensors(bytes: Uint8Array, path: string): SafetensorsFile {
  const bad = (why: string) => new UserError(`${path} is not a valid safetensors file: ${why}`);
  if (bytes.length < 8) throw bad(`only ${bytes.length} bytes (truncated?)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw bad(`header length ${n} is implausible`);
  const headerEnd = 8 + Number(n);
  if (headerEnd > bytes.length) throw bad(`header needs ${n} bytes, file has ${bytes.length - 8} after the length (truncated?)`);

  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, headerEnd)));
  } catch {
    throw bad('the header is not JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw bad('the header is not a JSON object');

  const dataLength = bytes.length - headerEnd;
  const entries: { name: string; dtype: SafeDType; shape: number[]; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = value as Record<string, string>;
      if (!metadata || typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string')) {
        throw bad('__metadata__ must map strings to strings');
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDType(info?.dtype)) throw bad(`tensor "${name}" has unknown dtype ${JSON.stringify(info?.dtype)}`);
    const shape = info.shape;
    const offsets = info.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor "${name}" has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      throw bad(`tensor "${name}" has bad data_offsets`);
    }
    const [begin, end] = offsets as number[];
    if (end - begin !== numel(shape) * DTYPES[info.dtype].BYTES_PER_ELEMENT) {
      throw bad(`tensor "${name}" spans ${end - begin} bytes, ${info.dtype}[${shape.join(', ')}] needs ${numel(shape) * DTYPES[info.dtype].BYTES_PER_ELEMENT}`);
    }
    entries.push({ name, dtype: info.dtype, shape, begin, end });
  }

  // The format requires the tensors to tile the data section exactly: no gaps, no overlaps.
  entries.sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected) throw bad(`tensor "${e.name}" starts at ${e.begin}, expected ${expected}`);
    expected = e.end;
  }
  if (expected !== dataLength) {
    throw bad(expected > dataLength ? `tensor data needs ${expected} bytes, file has ${dataLength} (truncated?)` : `${dataLength - expected} stray bytes after the last tensor`);
  }

  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    // A copy: the slice is then aligned for its typed array wherever it sat in the file.
    const raw = bytes.subarray(headerEnd + e.begin, headerEnd + e.end);
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    tensors.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape, data: new DTYPES[e.dtype](copy.buffer) });
  }
  return { tensors, metadata };
}
