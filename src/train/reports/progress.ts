// Training progress: on a terminal, one bar redrawn in place (epoch, step, the epoch's running
// loss, images/s, ETA) that says what the run is doing between steps (evaluating, tuning);
// otherwise (a pipe, a CI log) one plain line per epoch. Both print the same epoch summary line
// and the lines worth keeping (what was tuned, and how long it took).

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  /** 0-based epoch the run starts at (non-zero on --resume), for the ETA. */
  startEpoch?: number;
  out?: ProgressStream;
  /** Defaults to out.isTTY. */
  tty?: boolean;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

export interface EpochSummary {
  loss: number;
  /** Test top-1, %. */
  top1?: number;
  lr?: number;
  /** Extra text, e.g. "GAE 312". */
  note?: string;
  /** Images trained on this epoch (default stepsPerEpoch × batchSize; less when the last batch is short). */
  images?: number;
}

/** 75 → "1m15s", 3725 → "1h02m", 9.4 → "9s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const REDRAW_MS = 100;
/** How often a terminal's bar asks for the running loss (a GPU read: the trainer waits for it). */
const LOSS_EVERY_MS = 2000;

export class Progress {
  private readonly out: ProgressStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly runStart: number;
  private epoch = 0;
  private epochStart = 0;
  private lastDraw = -Infinity;
  private loss: number | null = null;
  private lastLossRead = -Infinity;

  constructor(private readonly o: ProgressOptions) {
    this.out = o.out ?? process.stdout;
    this.tty = o.tty ?? !!this.out.isTTY;
    this.now = o.now ?? (() => performance.now());
    this.runStart = this.now();
    this.epoch = o.startEpoch ?? 0;
  }

  /** Call before an epoch's first step; `epoch` is 0-based. */
  startEpoch(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = this.now();
    this.lastDraw = -Infinity;
    this.loss = null;
  }

  /** True when the bar should show a fresh running loss now (on a terminal, every couple of seconds). */
  wantsLoss(): boolean {
    if (!this.tty || this.now() - this.lastLossRead < LOSS_EVERY_MS) return false;
    this.lastLossRead = this.now();
    return true;
  }

  /** After `done` steps of this epoch; `loss`: the epoch's running mean loss, when it was read. */
  step(done: number, loss?: number): void {
    if (loss !== undefined) this.loss = loss;
    if (!this.tty) return;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS && done < this.o.stepsPerEpoch) return;
    this.lastDraw = t;
    this.out.write(`\r${this.bar(done, t)}\x1b[K`);
  }

  /** On a terminal, replaces the bar with what the run is doing now (e.g. "evaluating…"). */
  status(text: string): void {
    if (!this.tty) return;
    this.out.write(`\r${this.fit(`epoch ${this.epoch + 1}/${this.o.epochs}  ${text}`)}\x1b[K`);
    this.lastDraw = -Infinity;
  }

  /** A line worth keeping in any log (replacing the bar on a terminal). */
  note(line: string): void {
    this.out.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    this.lastDraw = -Infinity;
  }

  private fit(text: string): string {
    const columns = this.out.columns ?? 120;
    return text.length > columns - 1 ? text.slice(0, columns - 1) : text;
  }

  /** The bar's text, without the control characters that redraw it. */
  bar(done: number, t = this.now()): string {
    const { epochs, stepsPerEpoch, batchSize } = this.o;
    const elapsed = (t - this.epochStart) / 1000;
    const rate = elapsed > 0 ? (done * batchSize) / elapsed : 0;
    const width = 24;
    const filled = Math.round((width * done) / stepsPerEpoch);
    const text = [
      `epoch ${this.epoch + 1}/${epochs}`,
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`,
      `${done}/${stepsPerEpoch}`,
      `loss ${this.loss === null ? '—' : this.loss.toFixed(4)}`,
      `${Math.round(rate)} img/s`,
      `ETA ${formatDuration(this.eta(done, t))}`,
    ].join('  ');
    return this.fit(text);
  }

  /** Seconds left in the run, from the step rate of this epoch (or of the run so far). */
  private eta(done: number, t: number): number {
    const { epochs, stepsPerEpoch } = this.o;
    const left = (epochs - this.epoch) * stepsPerEpoch - done;
    const epochSeconds = (t - this.epochStart) / 1000;
    if (done > 0 && epochSeconds > 0) return (left * epochSeconds) / done;
    const finished = (this.epoch - (this.o.startEpoch ?? 0)) * stepsPerEpoch;
    return finished > 0 ? (left * (t - this.runStart)) / 1000 / finished : Infinity;
  }

  /** Prints the epoch's line (replacing the bar on a terminal). */
  endEpoch(summary: EpochSummary): string {
    const t = this.now();
    const { epochs, stepsPerEpoch, batchSize } = this.o;
    const seconds = (t - this.epochStart) / 1000;
    const parts = [`epoch ${this.epoch + 1}/${epochs}`, `loss ${summary.loss.toFixed(4)}`];
    if (summary.top1 !== undefined) parts.push(`test top-1 ${summary.top1.toFixed(2)}%`);
    if (summary.lr !== undefined) parts.push(`lr ${Number(summary.lr.toPrecision(3))}`);
    if (summary.note) parts.push(summary.note);
    parts.push(`${Math.round((summary.images ?? stepsPerEpoch * batchSize) / Math.max(seconds, 1e-9))} img/s`, formatDuration(seconds));
    const done = this.epoch + 1 - (this.o.startEpoch ?? 0);
    if (this.epoch + 1 < epochs) parts.push(`ETA ${formatDuration((((t - this.runStart) / 1000) * (epochs - this.epoch - 1)) / done)}`);
    const line = parts.join('  ');
    this.out.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    return line;
  }
}
