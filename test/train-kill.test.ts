// A real `aegl-gpu train` process killed with SIGKILL at several moments — during setup, in the
// middle of epoch 1, between epochs — and resumed with --resume after each kill ends with the
// weights and epoch losses of an uninterrupted run, bit for bit.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/train/run-io/safetensors.js';
import { runCli } from './helpers/cli.js';
import { writeTinyFashion } from './helpers/tiny-dataset.js';

const data = writeTinyFashion();
const root = mkdtempSync(join(tmpdir(), 'aegl-kill-'));
// Batch 4: enough steps that epoch 1 (which also compiles every kernel) lasts seconds.
const flags = ['--data-dir', data, '--imbalance', '0.5', '--epochs', '3', '--batch-size', '4', '--lr', '0.02', '--seed', '5'];

const epochsIn = (dir: string) => (existsSync(join(dir, 'metrics.jsonl')) ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).length : 0);

/** Runs the CLI, SIGKILLed as soon as kill(output so far) is true (polled every 20 ms); records what the run directory held then. */
async function trainUntil(args: string[], dir: string, kill: (output: string) => boolean) {
  let atKill: { epochs: number; resume: boolean } | null = null;
  const r = await runCli(['train', ...args], {
    killWhen: (output) => {
      if (atKill || !kill(output)) return false;
      atKill = { epochs: epochsIn(dir), resume: existsSync(join(dir, 'resume.safetensors')) };
      return true;
    },
  });
  return { ...r, atKill: atKill as { epochs: number; resume: boolean } | null };
}

describe('kill -9 and --resume', () => {
  it('killed during setup, in epoch 1 and between epochs, resumed each time: the weights of an uninterrupted run, bit for bit', async () => {
    const reference = join(root, 'reference');
    const full = await runCli(['train', ...flags, '--out', reference]);
    expect(full.code, full.output).toBe(0);

    const dir = join(root, 'killed');
    const setup = await trainUntil([...flags, '--out', dir], dir, () => existsSync(join(dir, 'config.json')));
    expect(setup.signal, setup.output).toBe('SIGKILL');
    expect(setup.atKill).toEqual({ epochs: 0, resume: false });

    // The last line printed before the epoch loop, whose first step compiles every kernel
    // (seconds): a kill within the next 20 ms lands in epoch 1's first step.
    const inEpoch1 = await trainUntil(['--resume', dir], dir, (output) => output.includes('no checkpoint yet: starting the run again from epoch 1, in place'));
    expect(inEpoch1.signal, inEpoch1.output).toBe('SIGKILL');
    expect(inEpoch1.atKill).toEqual({ epochs: 0, resume: false });

    const betweenEpochs = await trainUntil(['--resume', dir], dir, () => epochsIn(dir) >= 1);
    expect(betweenEpochs.signal, betweenEpochs.output).toBe('SIGKILL');
    expect(betweenEpochs.atKill!.epochs).toBe(1);

    const finished = await runCli(['train', '--resume', dir]);
    expect(finished.code, finished.output).toBe(0);
    const want = readSafetensors(join(reference, 'last.safetensors')).tensors;
    const got = readSafetensors(join(dir, 'last.safetensors')).tensors;
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, t] of want) expect(Buffer.from(got.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    const losses = (d: string) => readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).trainLoss);
    expect(losses(dir)).toEqual(losses(reference));
  });
});
