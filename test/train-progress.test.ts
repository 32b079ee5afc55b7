import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from '../src/train/reports/progress.js';

/** A fake stream and clock: what a terminal or a pipe would receive, at chosen times. */
function setup(tty: boolean) {
  const writes: string[] = [];
  let ms = 0;
  const progress = new Progress({ epochs: 3, stepsPerEpoch: 10, batchSize: 128, tty, out: { write: (s: string) => writes.push(s), columns: 200 }, now: () => ms });
  return { progress, writes, advance: (d: number) => (ms += d) };
}

describe('formatDuration', () => {
  it('prints seconds, minutes and hours compactly', () => {
    expect(formatDuration(9.4)).toBe('9s');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Infinity)).toBe('?');
  });
});

describe('Progress', () => {
  it('on a terminal redraws one bar with epoch, step, loss, images/s and ETA', () => {
    const { progress, writes, advance } = setup(true);
    progress.startEpoch(0);
    advance(1000);
    progress.step(4);
    expect(writes).toHaveLength(1);
    expect(writes[0].startsWith('\r')).toBe(true);
    expect(writes[0]).toContain('epoch 1/3');
    expect(writes[0]).toContain('4/10');
    expect(writes[0]).toContain('loss —');
    expect(writes[0]).toContain(`${4 * 128} img/s`); // 4 batches of 128 in one second
    expect(writes[0]).toContain('ETA 7s'); // 26 steps left at 4 steps/s → 6.5 s, rounded
    advance(10);
    progress.step(5); // within 100 ms of the last draw: throttled
    expect(writes).toHaveLength(1);
    advance(1500);
    progress.step(10, 0.5);
    expect(writes[1]).toContain('loss 0.5000');
    const line = progress.endEpoch({ loss: 0.4321, top1: 81.234, lr: 0.05 });
    expect(writes[2]).toBe(`\r${line}\x1b[K\n`);
    expect(line).toMatch(/^epoch 1\/3 {2}loss 0\.4321 {2}test top-1 81\.23% {2}lr 0\.05 {2}\d+ img\/s {2}3s {2}ETA 5s$/);
  });

  it('without a terminal prints nothing per step and one plain line per epoch', () => {
    const { progress, writes, advance } = setup(false);
    for (let e = 0; e < 3; e++) {
      progress.startEpoch(e);
      for (let s = 1; s <= 10; s++) {
        advance(100);
        progress.step(s);
      }
      progress.endEpoch({ loss: 1 / (e + 1), note: 'GAE 12' });
    }
    expect(writes).toHaveLength(3);
    for (const w of writes) {
      expect(w).not.toMatch(/[\r\x1b]/);
      expect(w.endsWith('\n')).toBe(true);
    }
    expect(writes[0]).toContain('epoch 1/3');
    expect(writes[0]).toContain('GAE 12');
    expect(writes[0]).toContain(`${10 * 128} img/s`);
    expect(writes[0]).toContain('ETA 2s');
    expect(writes[2]).toContain('epoch 3/3');
    expect(writes[2]).not.toContain('ETA');
  });

  it('estimates the ETA from the resumed epoch, not from epoch 0', () => {
    const writes: string[] = [];
    let ms = 0;
    const p = new Progress({ epochs: 10, stepsPerEpoch: 5, batchSize: 8, startEpoch: 8, tty: false, out: { write: (s: string) => writes.push(s) }, now: () => ms });
    p.startEpoch(8);
    ms += 2000;
    expect(p.endEpoch({ loss: 1 })).toContain('ETA 2s');
  });

  it('asks for the running loss every two seconds on a terminal only, and starts each epoch without one', () => {
    const { progress, writes, advance } = setup(true);
    progress.startEpoch(0);
    expect(progress.wantsLoss()).toBe(true);
    advance(1000);
    expect(progress.wantsLoss()).toBe(false);
    advance(1000);
    expect(progress.wantsLoss()).toBe(true);
    progress.step(3, 1.25);
    expect(writes.at(-1)).toContain('loss 1.2500');
    progress.endEpoch({ loss: 1 });
    progress.startEpoch(1);
    advance(200);
    progress.step(1);
    expect(writes.at(-1)).toContain('loss —');
    expect(setup(false).progress.wantsLoss()).toBe(false);
  });

  it('says what it is doing between steps on a terminal, and keeps notes in any log', () => {
    const tty = setup(true);
    tty.progress.startEpoch(1);
    tty.progress.status('evaluating on test…');
    expect(tty.writes).toEqual(['\repoch 2/3  evaluating on test…\x1b[K']);
    tty.progress.note('tuned 4 kernel shapes (conv2d) in 12s');
    expect(tty.writes[1]).toBe('\rtuned 4 kernel shapes (conv2d) in 12s\x1b[K\n');
    const pipe = setup(false);
    pipe.progress.status('evaluating on test…');
    pipe.progress.note('tuned 4 kernel shapes (conv2d) in 12s');
    expect(pipe.writes).toEqual(['tuned 4 kernel shapes (conv2d) in 12s\n']);
  });
});
