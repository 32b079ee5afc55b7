// Reads a dataset file whole, gunzipping it when it starts with the gzip magic bytes (the name
// does not matter), and turns a missing or corrupt file into a one-line UserError.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors.js';

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Finds `name` or `name.gz` in `dir` (whichever exists, plain first); `provider` says where the
 * file comes from when neither does.
 */
export function locate(dir: string, name: string, provider: string): string {
  for (const candidate of [`${dir}/${name}`, `${dir}/${name}.gz`]) if (existsSync(candidate)) return candidate;
  throw new UserError(`${dir}/${name}: not found (nor ${name}.gz); ${provider}`);
}

/** The file's bytes; a missing or unreadable file is a one-line UserError naming it. */
export function readWhole(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function readMaybeGzip(path: string): Uint8Array {
  const raw = readWhole(path);
  if (!isGzip(raw)) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    const out = gunzipSync(raw);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new UserError(`${path}: corrupt or truncated gzip data (${(e as Error).message})`);
  }
}
