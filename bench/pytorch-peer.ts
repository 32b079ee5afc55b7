// PyTorch on the same CPU, the framework a user would otherwise train with: bench/pytorch_peer.py
// in a child process that stays up for the whole run, so its timings can be interleaved with ours
// (ours, PyTorch, ours, PyTorch…) and compared as medians of neighbours. An optional bench
// dependency: Debian's python3-torch (`bash tools/setup.sh --with-torch`); without it the rows
// say why they were not run.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const SCRIPT = fileURLToPath(new URL('./pytorch_peer.py', import.meta.url));

export interface TorchPeer {
  python: string;
  torch: string;
  threads: number;
  /** Median ms of `reps` training steps (batch 128) after one warm-up step. */
  step(net: 'fmnist' | 'resnet32', method: 'ce' | 'aegl', reps: number): Promise<number>;
  /** One epoch plus test evaluation of the default Fashion-MNIST run (or its AEGL fine-tune) on these raw splits. */
  epoch(trainPath: string, testPath: string, method: 'ce' | 'aegl'): Promise<{ ms: number; top1: number }>;
  close(): void;
}

/** The first of $AEGL_PYTHON, python3, /usr/bin/python3 that imports torch. */
function findPython(): string | null {
  const candidates = [process.env.AEGL_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((c) => spawnSync(c, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
}

/** Starts the peer with as many threads as the machine has cores (as lavapipe uses); a string says why it cannot run. */
export async function startTorchPeer(threads = availableParallelism()): Promise<TorchPeer | string> {
  const python = findPython();
  if (!python) return 'no Python with PyTorch (install Debian\'s python3-torch: bash tools/setup.sh --with-torch; or set AEGL_PYTHON)';
  const proc: ChildProcessWithoutNullStreams = spawn(python, [SCRIPT, String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the PyTorch peer exited: ${stderr.trim().split('\n').at(-1) ?? ''}`);
    const answer = JSON.parse(value) as Record<string, unknown>;
    if (typeof answer.error === 'string') throw new Error(`PyTorch: ${answer.error}`);
    return answer;
  };
  const ask = (request: unknown) => {
    proc.stdin.write(`${JSON.stringify(request)}\n`);
    return next();
  };
  try {
    const hello = await next();
    return {
      python,
      torch: String(hello.torch),
      threads: Number(hello.threads),
      step: async (net, method, reps) => Number((await ask({ step: { net, method, reps } })).ms),
      epoch: async (train, test, method) => {
        const a = await ask({ epoch: { train, test, method, epochs: 1 } });
        return { ms: Number(a.ms), top1: Number(a.top1) };
      },
      close: () => proc.stdin.end(),
    };
  } catch (err) {
    proc.kill();
    return (err as Error).message;
  }
}
