import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { readSafetensors, writeSafetensors, type SafeTensor } from '../src/train/run-io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'aegl-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vals = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => i * 0.25 - k);

/** Names, shapes and dtypes as PyTorch's state_dict of the reference ResNet-32 has them. */
function pytorchStyle(): SafeTensor[] {
  return [
    { name: 'conv1.weight', dtype: 'F32', shape: [16, 3, 3, 3], data: vals(432, 3) },
    { name: 'layer2.3.bn1.running_var', dtype: 'F32', shape: [32], data: vals(32, -1) },
    { name: 'bn1.num_batches_tracked', dtype: 'I64', shape: [], data: BigInt64Array.of(4817n) },
    { name: 'linear.weight', dtype: 'F32', shape: [10, 64], data: vals(640, 7) },
    { name: 'linear.bias', dtype: 'F32', shape: [10], data: vals(10, 0) },
  ];
}

// Written by the reference implementation (python safetensors 0.8.0, safetensors.numpy.save_file)
// for exactly the tensors of pytorchStyle() with metadata {"format": "pt"}; the same Rust core
// writes PyTorch's checkpoints.
const REFERENCE_HEADER =
  '{"__metadata__":{"format":"pt"},"bn1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
  '"conv1.weight":{"dtype":"F32","shape":[16,3,3,3],"data_offsets":[8,1736]},' +
  '"layer2.3.bn1.running_var":{"dtype":"F32","shape":[32],"data_offsets":[1736,1864]},' +
  '"linear.bias":{"dtype":"F32","shape":[10],"data_offsets":[1864,1904]},' +
  '"linear.weight":{"dtype":"F32","shape":[10,64],"data_offsets":[1904,4464]}}';
const REFERENCE_SHA256 = 'd300c63ad64bf6aa2f4d1ddfa243ecdc33c2f711f687434b50a2a9c7b870a3e3';
const REFERENCE_BYTES = 4880;

function expectUserError(fn: () => unknown, file: string, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const message = (e as Error).message;
    expect(message).toContain(file);
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
    return;
  }
  throw new Error('expected a UserError');
}

describe('safetensors', () => {
  it('writes byte for byte what the reference writer writes', () => {
    const path = join(dir, 'same.safetensors');
    writeSafetensors(path, pytorchStyle(), { format: 'pt' });
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(REFERENCE_BYTES);
    expect(Number(bytes.readBigUInt64LE(0)) % 8).toBe(0);
    expect(bytes.toString('utf8', 8, 8 + Number(bytes.readBigUInt64LE(0))).trimEnd()).toBe(REFERENCE_HEADER);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(REFERENCE_SHA256);
  });

  it('round-trips PyTorch-style names, shapes, dtypes, an I64 scalar and metadata', () => {
    const path = join(dir, 'roundtrip.safetensors');
    const tensors = pytorchStyle();
    writeSafetensors(path, tensors, { format: 'pt', epoch: '12' });
    const back = readSafetensors(path);
    expect(back.metadata).toEqual({ format: 'pt', epoch: '12' });
    expect([...back.tensors.keys()].sort()).toEqual(tensors.map((t) => t.name).sort());
    for (const t of tensors) {
      const r = back.tensors.get(t.name)!;
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(r.data).toEqual(t.data);
    }
    expect(back.tensors.get('bn1.num_batches_tracked')!.data).toBeInstanceOf(BigInt64Array);
    expect(back.tensors.get('bn1.num_batches_tracked')!.shape).toEqual([]);
  });

  it('reads a header padded with spaces, in any key order, with offsets the writer did not choose', () => {
    // Hand-built: F32 first then I64 (so the I64 sits at an unaligned file offset), no metadata.
    const w = Float32Array.of(1.5, -2, 3.25);
    const header = JSON.stringify({
      'layer1.0.conv2.weight': { data_offsets: [0, 12], shape: [3, 1, 1, 1], dtype: 'F32' },
      'layer1.0.bn2.num_batches_tracked': { shape: [], dtype: 'I64', data_offsets: [12, 20] },
    }) + '   ';
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
    const path = join(dir, 'handmade.safetensors');
    writeFileSync(path, Buffer.concat([len, Buffer.from(header), Buffer.from(w.buffer), Buffer.from(BigInt64Array.of(-7n).buffer)]));
    const back = readSafetensors(path);
    expect(back.metadata).toEqual({});
    expect(back.tensors.get('layer1.0.conv2.weight')!.data).toEqual(w);
    expect(back.tensors.get('layer1.0.bn2.num_batches_tracked')!.data).toEqual(BigInt64Array.of(-7n));
  });

  it('reports truncated and corrupt files as one-line UserErrors naming the file', () => {
    const good = join(dir, 'good.safetensors');
    writeSafetensors(good, pytorchStyle(), { format: 'pt' });
    const bytes = readFileSync(good);
    const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));

    const cut = join(dir, 'cut.safetensors');
    for (const [at, why] of [
      [bytes.length - 1, /truncated/],
      [headerEnd + 3, /truncated/],
      [headerEnd - 5, /truncated/],
      [5, /truncated/],
      [0, /truncated/],
    ] as const) {
      writeFileSync(cut, bytes);
      truncateSync(cut, at);
      expectUserError(() => readSafetensors(cut), cut, why);
    }

    const extra = join(dir, 'extra.safetensors');
    writeFileSync(extra, Buffer.concat([bytes, Buffer.from([1, 2, 3, 4])]));
    expectUserError(() => readSafetensors(extra), extra, /stray bytes/);

    const garbage = join(dir, 'garbage.safetensors');
    const g = Buffer.from(bytes);
    g.write('#', 8);
    writeFileSync(garbage, g);
    expectUserError(() => readSafetensors(garbage), garbage, /not JSON/);

    const huge = join(dir, 'huge.safetensors');
    writeFileSync(huge, Buffer.from('PK\u0003\u0004 this is a zip file, not safetensors'));
    expectUserError(() => readSafetensors(huge), huge, /implausible|truncated/);

    const wrongSize = join(dir, 'wrong-size.safetensors');
    const header = Buffer.from(JSON.stringify({ 'conv1.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(wrongSize, Buffer.concat([len, header, Buffer.alloc(12)]));
    expectUserError(() => readSafetensors(wrongSize), wrongSize, /conv1\.weight.*needs 16/);

    expectUserError(() => readSafetensors(join(dir, 'missing.safetensors')), join(dir, 'missing.safetensors'), /ENOENT/);
  });

  it('refuses data that does not match its dtype or shape', () => {
    const path = join(dir, 'bad.safetensors');
    expect(() => writeSafetensors(path, [{ name: 'a', dtype: 'F32', shape: [3], data: new Float32Array(2) }])).toThrow(/needs 3/);
    expect(() => writeSafetensors(path, [{ name: 'a', dtype: 'I64', shape: [], data: new Float32Array(1) }])).toThrow(/Float32Array/);
    expect(() => writeSafetensors(path, [{ name: '__metadata__', dtype: 'F32', shape: [], data: new Float32Array(1) }])).toThrow(/reserved/);
  });

  it('a kill -9 during a rewrite leaves the previous checkpoint readable', async () => {
    const path = join(dir, 'killed.safetensors');
    const child = join(import.meta.dirname, 'train-safetensors-writer.ts');
    const viteNode = join(import.meta.dirname, '..', 'node_modules', '.bin', 'vite-node');
    const size = 2_000_000; // 8 MB a write: the writer spends most of its time writing
    // Kill at varied moments until one lands mid-write (a temp file is left behind): that is the
    // case under test, and each try has about even odds of hitting it.
    let tornWrites = 0;
    for (let attempt = 0; attempt < 12 && tornWrites === 0; attempt++) {
      const proc = spawn(viteNode, [child, path, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let finished = 0;
      await new Promise<void>((resolve, reject) => {
        proc.on('error', reject);
        proc.on('exit', () => reject(new Error('writer exited before it was killed')));
        proc.stdout.on('data', (chunk: Buffer) => {
          finished = Number(/wrote (\d+)\n$/.exec(chunk.toString())?.[1] ?? finished);
          if (finished >= 2) setTimeout(resolve, (attempt * 7) % 23);
        });
      });
      proc.removeAllListeners('exit');
      proc.kill('SIGKILL');
      await new Promise((r) => proc.on('exit', r));

      const back = readSafetensors(path);
      const generation = Number(back.metadata.generation);
      expect(generation).toBeGreaterThanOrEqual(finished);
      const w = back.tensors.get('conv1.weight')!.data as Float32Array;
      expect(w.length).toBe(size);
      expect(w.every((v) => v === 2 - (generation % 2))).toBe(true);
      expect(back.tensors.get('bn1.num_batches_tracked')!.data).toEqual(BigInt64Array.of(BigInt(generation)));
      const temps = readdirSync(dir).filter((f) => f.startsWith('.killed.safetensors.'));
      tornWrites = temps.length;
      for (const t of temps) rmSync(join(dir, t));
    }
    expect(tornWrites, 'no kill landed during a write').toBeGreaterThan(0);
  });
});
