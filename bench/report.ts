// The suite's output: rows as a padded text table (terminal) or a markdown table (committed
// results), the ceilings, and the issue's targets checked against this run.
import type { Ceilings } from './ceilings.js';
import type { TorchRow } from './pytorch-rows.js';
import type { PeerTiming } from './tfjs-peer.js';

export interface Row {
  kernel: string;
  net: string;
  shape: string;
  variant: string;
  ms: number | null;
  rate: number | null;
  unit: 'GFLOP/s' | 'GB/s' | '';
  /** Rate as a percentage of the matching ceiling: matmul for FLOP-bound rows, copy for memory-bound. */
  pctOfCeiling: number | null;
  /** 'yes' when the tuner picks this variant for this shape, 'no' when it picks another, '-' without a tuner, 'lab' for a variant training never tunes over. */
  tuner: string;
  note?: string;
}

export interface PeerRatio extends PeerTiming {
  oursMs: number | null;
  /** ours / TF.js time: below 1 is faster than TF.js. */
  ratio: number | null;
}

export interface Report {
  adapter: { name: string; backend: string; driver: string; vendor: string; featureLevel: string };
  date: string;
  node: string;
  platform: string;
  timing: string;
  quick: boolean;
  filter: string;
  ceilings: Ceilings;
  rows: Row[];
  tfjs: { ratios: PeerRatio[] } | { unavailable: string };
  torch: { peer: { python: string; version: string; threads: number }; rows: TorchRow[] } | { unavailable: string };
  targets: string[];
}

const fmt = (v: number | null, digits = 2): string => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits));

const HEADER = ['kernel', 'net', 'shape', 'variant', 'ms', 'GFLOP/s | GB/s', '% ceiling', 'tuner'];

export function rowCells(r: Row): string[] {
  if (r.note && r.ms === null) return [r.kernel, r.net, r.shape, r.variant, r.note.length > 120 ? `${r.note.slice(0, 117)}...` : r.note, '', '', ''];
  const rate = r.rate === null ? '-' : `${fmt(r.rate)} ${r.unit}`;
  return [r.kernel, r.net, r.shape, r.variant, fmt(r.ms, 3), rate, fmt(r.pctOfCeiling, 0), r.tuner];
}

/** Fixed-width columns for the terminal; `widths` grows as rows arrive so the header can be printed first. */
export function textLine(cells: string[], widths: number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
}

export const TEXT_WIDTHS = [18, 9, 26, 8, 10, 17, 9, 5];
export const textHeader = (): string => textLine(HEADER, TEXT_WIDTHS);

function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function ceilingLines(c: Ceilings): string[] {
  const best = c.matmul.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  return [
    `copy:      ${fmt(c.copyGBs)} GB/s (read + write, ${c.copy[0].bytes >> 20} MiB buffers)`,
    `matmul:    ${fmt(c.matmulGflops)} GFLOP/s (best: ${best.variant}, ${best.n}×${best.n}×${best.n}; ` +
      c.matmul.map((m) => `${m.variant} ${m.n}: ${fmt(m.gflops)}`).join(', ') + ')',
    `multiply-add: ${fmt(c.multiplyAddGflops)} GFLOP/s (registers only, no loads; accumulators × multiply-adds per loop iteration: ` +
      c.multiplyAdd.map((m) => `${m.accumulators} × ${m.unroll}: ${fmt(m.gflops)}`).join(', ') + ')',
    `dispatch:  ${fmt(c.dispatchUs, 1)} µs each (many tiny dispatches in one submit)`,
    `roundtrip: ${fmt(c.roundTripMs, 3)} ms (one submit + a 4-byte readback)`,
  ];
}

export function peerLines(r: Report): string[] {
  if ('unavailable' in r.tfjs) return [`TF.js WebGPU peer: not run: ${r.tfjs.unavailable}`];
  return r.tfjs.ratios.map(
    (p) => `${p.kernel.padEnd(13)} ${p.shape.padEnd(26)} TF.js ${fmt(p.ms, 2).padStart(9)} ms  ours ${fmt(p.oursMs, 2).padStart(8)} ms  ` +
      `ours/TF.js ${fmt(p.ratio, 3)}${p.ratio ? ` (speed-up ${fmt(1 / p.ratio, 1)}×)` : ''}`,
  );
}

function torchSection(r: Report): string[] {
  const head = ['## PyTorch on the same CPU', ''];
  if ('unavailable' in r.torch) return [...head, `Not run: ${r.torch.unavailable}`, ''];
  const p = r.torch.peer;
  return [
    ...head,
    `PyTorch ${p.version} (${p.python}), ${p.threads} threads, the same models (docs/PYTORCH.md), batch and optimizer. ` +
      'Ours and PyTorch timed alternately in this run, the median of each side kept; ratio = ours / PyTorch time ' +
      '(≤ 2 is the target: at least half its throughput).',
    '',
    mdTable(
      ['what', 'net', 'shape', 'ours ms', 'PyTorch ms', 'ours / PyTorch'],
      r.torch.rows.map((t) => [t.kernel, t.net, t.shape, fmt(t.oursMs, 1), fmt(t.torchMs, 1), t.note ?? fmt(t.ratio, 2)]),
    ),
    '',
  ];
}

export function markdown(r: Report): string {
  const a = r.adapter;
  const parts = [
    `# aegl-gpu microbenchmarks: ${a.name} (${a.backend})`,
    '',
    `- adapter: ${a.name}, backend ${a.backend}, feature level ${a.featureLevel}`,
    `- driver: ${a.driver}`,
    `- date: ${r.date}, node ${r.node}, ${r.platform}`,
    `- timing: ${r.timing}; median of the reps${r.quick ? '; --quick subset' : ''}${r.filter ? `; --filter ${r.filter}` : ''}`,
    '',
    '## Ceilings (measured in the same run)',
    '',
    ...ceilingLines(r.ceilings).map((l) => `- ${l}`),
    '',
    '## Targets',
    '',
    ...r.targets.map((t) => `- ${t}`),
    '',
    '## Kernels',
    '',
    'GFLOP/s for compute-bound kernels (% of the best matmul), GB/s of the least traffic the kernel must do for memory-bound ones (% of the copy).',
    '',
    mdTable(HEADER, r.rows.map(rowCells)),
    '',
  ];
  parts.push(...torchSection(r), '## TensorFlow.js WebGPU on the same adapter', '');
  if ('unavailable' in r.tfjs) parts.push(`Not run: ${r.tfjs.unavailable}`);
  else {
    const methods = [...new Set(r.tfjs.ratios.map((p) => p.method))].join(', ');
    parts.push(
      `TF.js timed by ${methods}. Ours: the fastest of our variants above, timed again right after TF.js ran the same workload ` +
        "(this CPU's speed drifts over minutes, so only neighbouring timings are compared); matmul: the ceiling's timing.",
      '',
    );
    parts.push(
      mdTable(
        ['kernel', 'shape', 'TF.js ms', 'ours ms (best variant)', 'ours / TF.js', 'speed-up'],
        r.tfjs.ratios.map((p) => [p.kernel, p.shape, fmt(p.ms, 2), fmt(p.oursMs, 2), fmt(p.ratio, 3), p.ratio ? `${fmt(1 / p.ratio, 1)}×` : '-']),
      ),
    );
  }
  return parts.join('\n') + '\n';
}
