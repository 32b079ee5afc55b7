// The rows that set our whole training steps, and one epoch of the default run, beside PyTorch on
// the same CPU: ours and PyTorch's timed alternately (this VM's speed drifts by tens of percent
// over minutes, so only neighbouring timings are compared) and each side's median kept.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../src/data/load.js';
import { selectRecords } from '../src/data/long-tail.js';
import { median } from '../src/gpu/timer.js';
import { train } from '../src/train/commands/train.js';
import type { BenchCase } from './cases.js';
import type { TorchPeer } from './pytorch-peer.js';

/** The target: our whole step at ≥ 0.5× PyTorch's throughput, i.e. at most twice its time. */
export const TORCH_TARGET_RATIO = 2;
/** Rounds of (ours, PyTorch) per step row; each side's figure is the median of its rounds. */
const STEP_ROUNDS = 3;
/** PyTorch steps per round (a median of its own). */
const TORCH_STEP_REPS = 5;
const EPOCH_ROUNDS = 2;

export interface TorchRow {
  kernel: string;
  net: string;
  shape: string;
  oursMs: number | null;
  torchMs: number | null;
  /** ours / PyTorch time: ≤ TORCH_TARGET_RATIO meets the target. */
  ratio: number | null;
  note?: string;
}

function rowOf(kernel: string, net: string, shape: string, ours: number[], torch: number[], note?: string): TorchRow {
  const oursMs = ours.length ? median(ours) : null;
  const torchMs = torch.length ? median(torch) : null;
  return { kernel, net, shape, oursMs, torchMs, ratio: oursMs !== null && torchMs ? oursMs / torchMs : null, note };
}

/** Each whole-step case (train.ce-step, train.aegl-step) against the same step in PyTorch. */
export async function stepRows(cases: BenchCase[], timeOurs: (c: BenchCase) => Promise<number>, peer: TorchPeer, log: (l: string) => void): Promise<TorchRow[]> {
  const rows: TorchRow[] = [];
  for (const c of cases.filter((k) => /^train\.(ce|aegl)-step$/.test(k.kernel))) {
    const method = c.kernel === 'train.aegl-step' ? 'aegl' : 'ce';
    const ours: number[] = [];
    const torch: number[] = [];
    let note: string | undefined;
    try {
      for (let r = 0; r < STEP_ROUNDS; r++) {
        ours.push(await timeOurs(c));
        torch.push(await peer.step(c.net as 'fmnist' | 'resnet32', method, TORCH_STEP_REPS));
      }
    } catch (err) {
      note = `failed: ${(err as Error).message.split('\n')[0]}`;
    }
    rows.push(rowOf(c.kernel, c.net, c.shape, ours, torch, note));
    log(formatTorchRow(rows.at(-1)!));
  }
  return rows;
}

/**
 * One epoch of the default `aegl-gpu train` (CE on Fashion-MNIST-LT ρ = 0.01, batch 128) plus its
 * test evaluation, and one epoch of the AEGL fine-tune of that run (lr 1e-5, NS = 3), each against
 * PyTorch doing the same on the same images and test set. Ours: each epoch's own time from
 * metrics.jsonl, after a first epoch of each kind that compiles and tunes (untimed: a first run's
 * tuning is reported by `train` itself).
 */
export async function epochRows(peer: TorchPeer, log: (l: string) => void): Promise<TorchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'aegl-bench-epoch-'));
  const quiet = { log: () => {} };
  const ourEpoch = async (name: string, flags: Record<string, string | number>) => {
    const r = await train({ epochs: 1, ...flags }, { out: join(dir, name), ...quiet });
    const record = JSON.parse(readFileSync(join(r.dir, 'metrics.jsonl'), 'utf8').trim().split('\n')[0]) as { seconds: number };
    return { ms: record.seconds * 1000, dir: r.dir };
  };
  const rows: TorchRow[] = [];
  let measuring = 'train.epoch';
  try {
    const warm = await ourEpoch('warm-up', {});
    // PyTorch trains on the very images our run kept (its subset.json), raw: images then labels.
    const dataset = loadDataset('fmnist');
    const subset = JSON.parse(readFileSync(join(warm.dir, 'subset.json'), 'utf8')) as { indices: number[] };
    const write = (path: string, split: { images: Uint8Array; labels: ArrayLike<number> }) => writeFileSync(path, Buffer.concat([split.images, Uint8Array.from(split.labels)]));
    write(join(dir, 'train.raw'), selectRecords(dataset.train, dataset, subset.indices, dataset.classes.length));
    write(join(dir, 'test.raw'), dataset.test);
    const fineTune = { method: 'aegl', init: join(warm.dir, 'best.safetensors'), subset: join(warm.dir, 'subset.json') };
    for (const [kernel, flags, method] of [['train.epoch', {}, 'ce'], ['train.aegl-epoch', fineTune, 'aegl']] as const) {
      measuring = kernel;
      if (method === 'aegl') await ourEpoch('aegl-warm-up', fineTune);
      const ours: number[] = [];
      const torch: number[] = [];
      for (let r = 0; r < EPOCH_ROUNDS; r++) {
        ours.push((await ourEpoch(`${method}-${r}`, flags)).ms);
        torch.push((await peer.epoch(join(dir, 'train.raw'), join(dir, 'test.raw'), method)).ms);
      }
      rows.push(rowOf(kernel, 'fmnist', `${method === 'ce' ? 'default run' : 'its AEGL fine-tune'}: ${subset.indices.length} images + 10000 test`, ours, torch));
      log(formatTorchRow(rows.at(-1)!));
    }
    return rows;
  } catch (err) {
    return [...rows, rowOf(measuring, 'fmnist', '-', [], [], `failed: ${(err as Error).message.split('\n')[0]}`)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits));

export function formatTorchRow(r: TorchRow): string {
  if (r.note) return `${r.kernel.padEnd(16)} ${r.net.padEnd(9)} ${r.note}`;
  return `${r.kernel.padEnd(16)} ${r.net.padEnd(9)} ours ${fmt(r.oursMs).padStart(9)} ms  PyTorch ${fmt(r.torchMs).padStart(9)} ms  ours/PyTorch ${fmt(r.ratio, 2)}`;
}

/** Issue 15's epoch-level AEGL target: an AEGL fine-tune epoch at most this many CE epochs of the same run. */
export const AEGL_EPOCH_TARGET = 1.5;

/**
 * One target line per row, met when ours takes at most TORCH_TARGET_RATIO × PyTorch's time; and
 * our AEGL epoch against our CE epoch.
 */
export function torchTargets(rows: TorchRow[]): string[] {
  const lines = rows
    .filter((r) => r.ratio !== null)
    .map((r) => `${r.kernel} ${r.net}: ${r.ratio!.toFixed(2)}× PyTorch's time (≥ 0.5× its throughput = ≤ ${TORCH_TARGET_RATIO}×): ${r.ratio! <= TORCH_TARGET_RATIO ? 'met' : 'NOT met'}`);
  const ce = rows.find((r) => r.kernel === 'train.epoch')?.oursMs;
  const aegl = rows.find((r) => r.kernel === 'train.aegl-epoch')?.oursMs;
  if (ce && aegl) lines.push(`train.aegl-epoch fmnist: ${(aegl / ce).toFixed(2)}× our CE epoch; ≤ ${AEGL_EPOCH_TARGET}×: ${aegl / ce <= AEGL_EPOCH_TARGET ? 'met' : 'NOT met'}`);
  return lines;
}
