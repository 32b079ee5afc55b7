// SVG charts written by hand (no plotting library): grouped bars (per-class accuracy of several
// methods side by side, the paper's Fig. 4) and x–y lines with an optional right-hand axis
// (loss and accuracy per epoch, GAE count per epoch, accuracy and GAE count against k).

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r2 = (v: number) => Math.round(v * 100) / 100;

/** Round tick values (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi] with about `count` intervals. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return niceTicks(lo - pad, hi + pad, count);
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= hi + step * (1 - 1e-9); v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const fmtTick = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(6))));

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function header(f: Frame, title: string, legend: { name: string; color: string; dashed?: boolean }[]): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" ${FONT}>`,
    `<rect width="${f.width}" height="${f.height}" fill="white"/>`,
    `<text x="${f.width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
  ];
  let x = f.left;
  for (const item of legend) {
    const dash = item.dashed ? ' stroke-dasharray="6 3"' : '';
    out.push(`<line x1="${x}" y1="40" x2="${x + 18}" y2="40" stroke="${item.color}" stroke-width="6"${dash}/>`);
    out.push(`<text x="${x + 24}" y="44" font-size="12">${esc(item.name)}</text>`);
    x += 36 + item.name.length * 7;
  }
  return out;
}

/** A vertical axis with grid lines; `side` picks the left or right edge of the plot area. */
function yAxis(f: Frame, ticks: number[], scale: (v: number) => number, label: string, side: 'left' | 'right', grid: boolean): string[] {
  const x = side === 'left' ? f.left : f.width - f.right;
  const out = [`<line x1="${x}" y1="${f.top}" x2="${x}" y2="${f.height - f.bottom}" stroke="#333"/>`];
  for (const t of ticks) {
    const y = r2(scale(t));
    if (grid) out.push(`<line x1="${f.left}" y1="${y}" x2="${f.width - f.right}" y2="${y}" stroke="#ddd"/>`);
    const tx = side === 'left' ? x - 6 : x + 6;
    out.push(`<text x="${tx}" y="${y + 4}" font-size="11" text-anchor="${side === 'left' ? 'end' : 'start'}">${fmtTick(t)}</text>`);
  }
  const lx = side === 'left' ? 16 : f.width - 10;
  const ly = (f.top + f.height - f.bottom) / 2;
  out.push(`<text x="${lx}" y="${ly}" font-size="12" text-anchor="middle" transform="rotate(-90 ${lx} ${ly})">${esc(label)}</text>`);
  return out;
}

export interface BarSeries {
  name: string;
  /** One value per category; null draws no bar. */
  values: (number | null)[];
}

export interface BarChartOptions {
  title: string;
  categories: string[];
  series: BarSeries[];
  yLabel: string;
  /** Fixed axis range, e.g. [0, 100] for accuracies; otherwise from the data (and 0). */
  yRange?: [number, number];
  width?: number;
  height?: number;
}

/** Bars grouped per category, one colour per series. */
export function groupedBarChart(o: BarChartOptions): string {
  const n = o.categories.length;
  const many = n > 12;
  const f: Frame = { width: o.width ?? Math.min(1400, Math.max(640, 60 + n * (12 + 10 * o.series.length))), height: o.height ?? 400, left: 64, right: 20, top: 60, bottom: many ? 90 : 56 };
  const values = o.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const [lo, hi] = o.yRange ?? [Math.min(0, ...values), Math.max(0, ...values)];
  const ticks = niceTicks(lo, hi);
  const [y0, y1] = o.yRange ?? [ticks[0], ticks[ticks.length - 1]];
  const plotH = f.height - f.top - f.bottom;
  const scale = (v: number) => f.top + plotH * (1 - (v - y0) / (y1 - y0 || 1));
  const groupW = (f.width - f.left - f.right) / Math.max(n, 1);
  const barW = (groupW * 0.8) / Math.max(o.series.length, 1);
  const labelEvery = Math.ceil(14 / groupW); // rotated labels need ~14 px each

  const out = header(f, o.title, o.series.map((s, i) => ({ name: s.name, color: COLORS[i % COLORS.length] })));
  out.push(...yAxis(f, ticks.filter((t) => t >= y0 - 1e-9 && t <= y1 + 1e-9), scale, o.yLabel, 'left', true));
  const base = scale(Math.max(y0, Math.min(0, y1)));
  o.series.forEach((s, si) => {
    s.values.forEach((v, ci) => {
      if (v === null || ci >= n) return;
      const x = r2(f.left + ci * groupW + groupW * 0.1 + si * barW);
      const y = scale(Math.min(Math.max(v, y0), y1));
      const [top, h] = [Math.min(y, base), Math.abs(base - y)];
      out.push(`<rect x="${x}" y="${r2(top)}" width="${r2(Math.max(barW - 1, 0.5))}" height="${r2(h)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${s.name}, ${o.categories[ci]}: ${fmtTick(v)}`)}</title></rect>`);
    });
  });
  out.push(`<line x1="${f.left}" y1="${r2(base)}" x2="${f.width - f.right}" y2="${r2(base)}" stroke="#333"/>`);
  o.categories.forEach((c, ci) => {
    if (ci % labelEvery) return;
    const x = r2(f.left + (ci + 0.5) * groupW);
    const y = f.height - f.bottom + 16;
    out.push(
      many
        ? `<text x="${x}" y="${y}" font-size="11" text-anchor="end" transform="rotate(-45 ${x} ${y})">${esc(c)}</text>`
        : `<text x="${x}" y="${y}" font-size="11" text-anchor="middle">${esc(c)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

export interface LineSeries {
  name: string;
  /** [x, y] pairs; a null y breaks the line. */
  points: [number, number | null][];
  /** Plot against the right-hand axis (drawn dashed), e.g. a count next to an accuracy. */
  axis?: 'left' | 'right';
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Label of the right-hand axis; needed when a series uses it. */
  yRightLabel?: string;
  series: LineSeries[];
  width?: number;
  height?: number;
}

/** Lines over a shared x axis; markers where there are few points. */
export function lineChart(o: LineChartOptions): string {
  const right = o.series.some((s) => s.axis === 'right');
  const f: Frame = { width: o.width ?? 720, height: o.height ?? 400, left: 70, right: right ? 70 : 24, top: 60, bottom: 50 };
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = (axis: 'left' | 'right') =>
    o.series.filter((s) => (s.axis ?? 'left') === axis).flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v)));
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  // Integer x (epochs, k): no tick at 2.5; a handful of values (the k of an ablation) get one each.
  const integral = xs.every(Number.isInteger);
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  const xTicks =
    integral && distinct.length <= 12
      ? distinct
      : niceTicks(x0, x1).filter((t) => t >= x0 - 1e-9 && t <= x1 + 1e-9 && (!integral || Number.isInteger(t)));
  const plotW = f.width - f.left - f.right;
  const plotH = f.height - f.top - f.bottom;
  const xScale = (v: number) => f.left + plotW * (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5);
  const axisScale = (axis: 'left' | 'right') => {
    const v = ys(axis);
    const ticks = niceTicks(v.length ? Math.min(...v) : 0, v.length ? Math.max(...v) : 1);
    const [lo, hi] = [ticks[0], ticks[ticks.length - 1]];
    return { ticks, scale: (y: number) => f.top + plotH * (1 - (y - lo) / (hi - lo || 1)) };
  };
  const left = axisScale('left');
  const rightAxis = axisScale('right');

  const legend = o.series.map((s, i) => ({ name: s.name + (right ? (s.axis === 'right' ? ' (right)' : ' (left)') : ''), color: COLORS[i % COLORS.length], dashed: s.axis === 'right' }));
  const out = header(f, o.title, legend);
  out.push(...yAxis(f, left.ticks, left.scale, o.yLabel, 'left', true));
  if (right) out.push(...yAxis(f, rightAxis.ticks, rightAxis.scale, o.yRightLabel ?? '', 'right', false));
  const xAxisY = f.height - f.bottom;
  out.push(`<line x1="${f.left}" y1="${xAxisY}" x2="${f.width - f.right}" y2="${xAxisY}" stroke="#333"/>`);
  for (const t of xTicks) {
    const x = r2(xScale(t));
    out.push(`<line x1="${x}" y1="${xAxisY}" x2="${x}" y2="${xAxisY + 5}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${xAxisY + 18}" font-size="11" text-anchor="middle">${fmtTick(t)}</text>`);
  }
  out.push(`<text x="${f.left + plotW / 2}" y="${f.height - 10}" font-size="12" text-anchor="middle">${esc(o.xLabel)}</text>`);

  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const scale = s.axis === 'right' ? rightAxis.scale : left.scale;
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${r2(xScale(x))},${r2(scale(y))}`;
      pen = true;
    }
    const dash = s.axis === 'right' ? ' stroke-dasharray="6 3"' : '';
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (s.points.length <= 60) {
      for (const [x, y] of s.points) {
        if (y !== null && Number.isFinite(y)) out.push(`<circle cx="${r2(xScale(x))}" cy="${r2(scale(y))}" r="3" fill="${color}"><title>${esc(`${s.name}: ${fmtTick(x)}, ${fmtTick(y)}`)}</title></circle>`);
      }
    }
  });
  out.push('</svg>');
  return out.join('\n');
}
