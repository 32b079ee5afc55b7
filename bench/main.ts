// `aegl-gpu bench` / `npm run bench`: ceilings first, then every case of bench/cases.ts, then the
// TF.js peer; prints a table as it goes and writes JSON and markdown.
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../src/errors.js';
import { engine, initEngine } from '../src/gpu/engine.js';
import { GpuTimer } from '../src/gpu/timer.js';
import { tunePending, tuningCachePath, tuningEnabled } from '../src/gpu/tuner.js';
import { measureCeilings, type Ceilings } from './ceilings.js';
import { allCases, convShapeLabel, type BenchCase } from './cases.js';
import { ceilingLines, markdown, peerLines, rowCells, textHeader, textLine, TEXT_WIDTHS, type PeerRatio, type Report, type Row } from './report.js';
import { breakdownMarkdown, breakDownStep } from './breakdown.js';
import { startTorchPeer } from './pytorch-peer.js';
import { epochRows, stepRows, torchTargets } from './pytorch-rows.js';
import { timeTfjs } from './tfjs-peer.js';

export interface BenchOptions {
  filter?: string;
  quick?: boolean;
  /** JSON output; the markdown table goes next to it with the extension .md. */
  out?: string;
  adapter?: string;
  /** false: skip the TF.js peer. */
  tfjs?: boolean;
  /** Time by the wall clock even where timestamps exist (to compare adapters like for like). */
  wallClock?: boolean;
  /** false: skip the PyTorch CPU peer. */
  torch?: boolean;
  /** Only the per-kernel breakdown of the whole-step cases (Markdown to --out). */
  breakdown?: boolean;
}

/** Issue 3's conv2d targets on lavapipe, checked against this run. */
const CONV_TARGET_PCT = 70;
const TFJS_TARGET_SPEEDUP = 3;
/** Issue 6's target: an AEGL step (NS = 3) costs at most this many CE steps. */
const AEGL_STEP_TARGET = 1.5;

function compileFilter(filter: string | undefined): RegExp {
  try {
    return new RegExp(filter ?? '', 'i');
  } catch (e) {
    throw new UserError(`--filter: not a regular expression: ${(e as Error).message}`);
  }
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0];

/** Waits for the GPU and drops errors left by a failed kernel, so the next case is not blamed for them. */
async function settle(): Promise<void> {
  try {
    await engine().sync();
  } catch {
    // Already reported by the case that caused it.
  }
}

function rowOf(c: BenchCase, ms: number | null, ceilings: Ceilings, tuner: string, note?: string): Row {
  const rate = ms === null ? null : c.flops ? c.flops / ms / 1e6 : c.bytes ? c.bytes / ms / 1e6 : null;
  const ceiling = c.flops ? ceilings.matmulGflops : ceilings.copyGBs;
  return {
    kernel: c.kernel,
    net: c.net,
    shape: c.shape,
    variant: c.variant,
    ms,
    rate,
    unit: c.flops ? 'GFLOP/s' : c.bytes ? 'GB/s' : '',
    pctOfCeiling: rate !== null && ceiling ? (100 * rate) / ceiling : null,
    tuner,
    note,
  };
}

/** Lets the tuner see every tuned shape the way a model records it, tunes them, and reads back its choice per case. */
async function tunerChoices(cases: BenchCase[], log: (s: string) => void): Promise<Map<BenchCase, string>> {
  const choices = new Map<BenchCase, string>();
  if (!tuningEnabled()) return choices;
  const touches = new Set(cases.map((c) => c.touch));
  for (const touch of touches) touch?.();
  try {
    const tuned = await tunePending();
    if (tuned.length) log(`tuner: tuned ${tuned.length} new shape(s), cached in ${tuningCachePath()}`);
    for (const c of cases) {
      const pick = c.tunerPick?.();
      if (pick) choices.set(c, pick);
    }
    await engine().sync();
  } catch (err) {
    log(`tuner failed, its choices are not shown: ${firstLine(err)}`);
    await settle();
  }
  return choices;
}

/** A lab variant must beat the tuner's pick by this factor to be flagged: less is inside this machine's noise. */
const LAB_MARGIN = 1.1;

function targets(rows: Row[], ratios: PeerRatio[], ceilings: Ceilings): string[] {
  const lines: string[] = [];
  const best = new Map<string, Row>();
  for (const r of rows) {
    if (r.net !== 'resnet32' || !r.kernel.startsWith('conv2d.') || r.pctOfCeiling === null) continue;
    const k = `${r.kernel}|${r.shape}`;
    if ((best.get(k)?.pctOfCeiling ?? -1) < r.pctOfCeiling) best.set(k, r);
  }
  for (const r of best.values()) {
    const ok = r.pctOfCeiling! >= CONV_TARGET_PCT ? 'met' : 'NOT met';
    const ofMultiplyAdd = (100 * r.rate!) / ceilings.multiplyAddGflops;
    lines.push(`${r.kernel} ${r.shape}: ${r.pctOfCeiling!.toFixed(0)} % of the best matmul (${r.variant}); ≥ ${CONV_TARGET_PCT} %: ${ok} (${ofMultiplyAdd.toFixed(0)} % of the multiply-add ceiling)`);
  }
  for (const aegl of rows.filter((r) => r.kernel === 'train.aegl-step' && r.ms !== null)) {
    const ce = rows.find((r) => r.kernel === 'train.ce-step' && r.net === aegl.net && r.ms !== null);
    if (!ce) continue;
    const ratio = aegl.ms! / ce.ms!;
    lines.push(`train.aegl-step ${aegl.net} (${aegl.shape}): ${ratio.toFixed(2)}× the CE step; ≤ ${AEGL_STEP_TARGET}×: ${ratio <= AEGL_STEP_TARGET ? 'met' : 'NOT met'}`);
  }
  for (const lab of rows.filter((r) => r.tuner === 'lab' && r.ms !== null)) {
    const pick = rows.find((r) => r.kernel === lab.kernel && r.shape === lab.shape && r.tuner === 'yes' && r.ms !== null);
    if (pick && lab.ms! * LAB_MARGIN < pick.ms!) {
      lines.push(`${lab.kernel} ${lab.shape}: lab variant ${lab.variant} ran ${(pick.ms! / lab.ms!).toFixed(2)}× faster than the tuner's ${pick.variant}; a candidate for promotion (src/ops/conv-variants.ts)`);
    }
  }
  for (const p of ratios) {
    if (!p.kernel.startsWith('conv2d.') || p.ratio === null) continue;
    const ok = 1 / p.ratio >= TFJS_TARGET_SPEEDUP ? 'met' : 'NOT met';
    lines.push(`${p.kernel} ${p.shape}: ${(1 / p.ratio).toFixed(1)}× TF.js WebGPU (ours/TF.js ${p.ratio.toFixed(3)}); ≥ ${TFJS_TARGET_SPEEDUP}×: ${ok}`);
  }
  return lines;
}

export async function runBench(options: BenchOptions): Promise<void> {
  const filter = compileFilter(options.filter);
  const quick = !!options.quick;
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const e = await initEngine({ adapter: options.adapter });
  const s = e.gpu.summary;
  if (options.breakdown) return runBreakdown(options, filter, log);
  const out = options.out ?? `runs/bench/${s.backend}-${new Date().toISOString().slice(0, 10)}.json`;
  const outMd = `${out.replace(/\.json$/, '')}.md`;
  try {
    // Before the run, not after it: a bad --out should not cost the measurements.
    mkdirSync(dirname(out), { recursive: true });
    accessSync(dirname(out), constants.W_OK);
  } catch (err) {
    throw new UserError(`--out ${out}: cannot write there (${(err as Error).message})`);
  }
  const timer = new GpuTimer(e);
  const wall = options.wallClock || !timer.usesTimestamps;
  const timing = wall ? 'wall clock over reps with one sync per trial' : 'GPU timestamp queries per rep';
  log(`adapter: ${s.name} (${s.backend}, ${s.description}); timing: ${timing}`);

  const ceilings = await measureCeilings(timer, quick, wall);
  for (const l of ceilingLines(ceilings)) log(l);

  /** Median ms of one case, on inputs made for it and released after. */
  const timeCase = async (c: BenchCase): Promise<number> => {
    const prepared = c.prepare();
    try {
      if (tuningEnabled()) {
        // Shapes only this case records (a whole step's AEGL batches) get tuned first, as the trainer does.
        prepared.record();
        await engine().sync();
        await tunePending();
      }
      return (await timer.time(prepared.record, { budgetMs: quick ? 150 : 400, minReps: c.minReps, wall })).ms;
    } finally {
      prepared.release();
      e.pool.trim();
    }
  };

  const cases = allCases().filter((c) => filter.test(c.kernel) && (!quick || c.quick));
  const choices = await tunerChoices(cases, log);
  const rows: Row[] = [];
  log('');
  log(textHeader());
  for (const c of cases) {
    let row: Row;
    const chosen = choices.get(c);
    const tuner = c.lab ? 'lab' : chosen === undefined ? '-' : chosen === c.variant ? 'yes' : 'no';
    try {
      row = rowOf(c, await timeCase(c), ceilings, tuner);
    } catch (err) {
      row = rowOf(c, null, ceilings, tuner, `failed: ${firstLine(err)}`);
      await settle();
    }
    rows.push(row);
    log(textLine(rowCells(row), TEXT_WIDTHS));
  }

  let tfjs: Report['tfjs'];
  if (options.tfjs === false) {
    tfjs = { unavailable: 'skipped (--no-tfjs)' };
  } else {
    log('');
    try {
      const sizes = ceilings.matmul.map((m) => m.n).filter((n, i, all) => all.indexOf(n) === i);
      const timeOurs = async (kernel: string, shape: string): Promise<number | null> => {
        const timed = rows.filter((r) => r.kernel === kernel && r.shape === shape && r.ms !== null);
        if (!timed.length) return null;
        const fastest = timed.reduce((a, b) => (b.ms! < a.ms! ? b : a));
        return timeCase(cases.find((k) => k.kernel === kernel && k.shape === shape && k.variant === fastest.variant)!);
      };
      const peer = await timeTfjs(s, { quick, filter, convLabel: convShapeLabel, matmulSizes: sizes, timeOurs });
      const ratios = peer.map((p): PeerRatio => {
        // matmul: against the ceiling's own timing of the same size.
        const matmul = ceilings.matmul.filter((m) => `${m.n}×${m.n}×${m.n}` === p.shape).map((m) => m.ms);
        const oursMs = p.kernel === 'matmul' ? (matmul.length ? Math.min(...matmul) : null) : p.oursMs ?? null;
        return { ...p, oursMs, ratio: oursMs === null || !(p.ms > 0) ? null : oursMs / p.ms };
      });
      tfjs = { ratios };
    } catch (err) {
      tfjs = { unavailable: `TF.js WebGPU cannot run here: ${firstLine(err)}` };
    }
  }

  let torch: Report['torch'];
  const wantsEpoch = !quick && filter.test('train.epoch');
  const stepCases = cases.filter((c) => /^train\.(ce|aegl)-step$/.test(c.kernel));
  if (options.torch === false) torch = { unavailable: 'skipped (--no-torch)' };
  else if (!stepCases.length && !wantsEpoch) torch = { unavailable: 'no whole-step case matches --filter' };
  else {
    log('');
    const peer = await startTorchPeer();
    if (typeof peer === 'string') torch = { unavailable: peer };
    else {
      log(`PyTorch ${peer.torch} on the CPU (${peer.python}, ${peer.threads} threads), interleaved with ours:`);
      try {
        const rows = await stepRows(stepCases, timeCase, peer, log);
        if (wantsEpoch) rows.push(...(await epochRows(peer, log)));
        torch = { peer: { python: peer.python, version: peer.torch, threads: peer.threads }, rows };
      } finally {
        peer.close();
      }
    }
  }

  const report: Report = {
    adapter: { name: s.name, backend: s.backend, driver: s.description, vendor: s.vendor, featureLevel: s.featureLevel },
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    timing,
    quick,
    filter: options.filter ?? '',
    ceilings,
    rows,
    tfjs,
    torch,
    targets: [...targets(rows, 'ratios' in tfjs ? tfjs.ratios : [], ceilings), ...('rows' in torch ? torchTargets(torch.rows) : [])],
  };
  for (const l of peerLines(report)) log(l);
  log('');
  for (const l of report.targets) log(l);
  timer.destroy();

  writeFileSync(out, JSON.stringify(report, null, 1) + '\n');
  writeFileSync(outMd, markdown(report));
  log(`\nwrote ${out} and ${outMd}`);
}

/** `--breakdown`: each whole-step case, tuned as training tunes it, then broken down per kernel. */
async function runBreakdown(options: BenchOptions, filter: RegExp, log: (s: string) => void): Promise<void> {
  const e = engine();
  const s = e.gpu.summary;
  const date = new Date().toISOString();
  const out = options.out ?? `runs/bench/breakdown-${s.backend}-${date.slice(0, 10)}.md`;
  try {
    mkdirSync(dirname(out), { recursive: true });
    accessSync(dirname(out), constants.W_OK);
  } catch (err) {
    throw new UserError(`--out ${out}: cannot write there (${(err as Error).message})`);
  }
  if (!e.gpu.hasTimestamps) throw new UserError(`--breakdown needs GPU timestamps (timestamp-query), which ${s.name} (${s.backend}) does not offer`);
  const steps = [];
  for (const c of allCases().filter((k) => /^train\.(ce|aegl)-step$/.test(k.kernel) && filter.test(k.kernel))) {
    if (tuningEnabled()) {
      const prepared = c.prepare();
      prepared.record();
      await e.sync();
      await tunePending();
      prepared.release();
    }
    const b = await breakDownStep(c);
    log(`${c.kernel} ${c.net}: wall ${b.wallMs.toFixed(1)} ms, recording ${b.recordMs.toFixed(1)} ms, cores busy ${b.coresBusy.toFixed(2)}, ${b.dispatches} dispatches; top: ` +
      b.kernels.slice(0, 3).map((k) => `${k.kernel} ${k.share.toFixed(1)} %`).join(', '));
    steps.push(b);
  }
  writeFileSync(out, breakdownMarkdown(steps, `${s.name} (${s.backend}, ${s.description})`, date) + '\n');
  log(`wrote ${out}`);
}
