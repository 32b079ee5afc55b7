// The page's pictures: per-class accuracy bars (head → tail) and the strip of tail images beside
// their adversarial versions.
const SVG = 'http://www.w3.org/2000/svg';

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Bars of accuracy per class (classes in head → tail order), the tail classes shaded apart. */
export function drawAccuracy(svg: SVGSVGElement, accuracy: number[], counts: number[], tailFrom: number): void {
  svg.replaceChildren();
  const [w, h, left, bottom] = [Number(svg.getAttribute('width')), Number(svg.getAttribute('height')), 34, 34];
  const slot = (w - left) / accuracy.length;
  for (const pct of [0, 50, 100]) {
    const y = h - bottom - ((h - bottom - 10) * pct) / 100;
    svg.append(el('line', { x1: left, x2: w, y1: y, y2: y, stroke: '#ddd' }), el('text', { x: 2, y: y + 4, 'font-size': 11 }, `${pct}%`));
  }
  accuracy.forEach((a, c) => {
    const bar = ((h - bottom - 10) * a) / 100;
    const x = left + c * slot + 3;
    svg.append(
      el('rect', { x, y: h - bottom - bar, width: slot - 6, height: bar, fill: c >= tailFrom ? '#d9822b' : '#3b7dd8', 'data-class': c }),
      el('text', { x: x + (slot - 6) / 2, y: h - bottom + 14, 'font-size': 11, 'text-anchor': 'middle' }, String(c)),
      el('text', { x: x + (slot - 6) / 2, y: h - bottom + 28, 'font-size': 9, 'text-anchor': 'middle', fill: '#777' }, String(counts[c])),
    );
  });
}

/** Clean images over their adversarial versions, each captioned with the model's prediction. */
export function drawStrip(canvas: HTMLCanvasElement, clean: Float32Array, adv: Float32Array, rows: number, side: number, labels: string[]): void {
  const scale = 3;
  const cell = side * scale + 8;
  canvas.width = Math.max(1, rows) * cell;
  canvas.height = 2 * (side * scale + 18);
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  const image = g.createImageData(side, side);
  const put = (pixels: Float32Array, r: number, x: number, y: number) => {
    for (let i = 0; i < side * side; i++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, pixels[r * side * side + i])));
      image.data.set([v, v, v, 255], 4 * i);
    }
    const tmp = document.createElement('canvas');
    tmp.width = tmp.height = side;
    tmp.getContext('2d')!.putImageData(image, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(tmp, x, y, side * scale, side * scale);
  };
  g.fillStyle = '#222';
  g.font = '10px system-ui';
  for (let r = 0; r < rows; r++) {
    const x = r * cell;
    put(clean, r, x, 0);
    g.fillText(labels[r], x, side * scale + 12);
    put(adv, r, x, side * scale + 18);
    g.fillText(labels[rows + r], x, 2 * (side * scale + 18) - 4);
  }
}
