// The demo page: the engine on navigator.gpu's device trains the Fashion-MNIST CNN on a
// long-tailed subset, CE then the AEGL fine-tune, redrawing per-class accuracy each epoch, the
// GAE count and a strip of tail images beside their adversarial versions. URL parameters shrink
// the run (?fraction=0.02&test=500&epochs=1&aegl-epochs=1&batch=32&auto=1, as the browser test does);
// the page's state is on window.aeglDemo for that test.
import shaders from 'aegl:shaders';
import { GpuDataset } from '../src/data/gpu-dataset.js';
import { conv2d, engine, FashionCnn, initPageEngine, noGrad, Objective, openNavigatorGpu, SGD, Tensor, tidy, trainStep, Aegl } from '../src/browser.js';
import { addInPlace } from '../src/ops/elementwise.js';
import { fillBits } from '../src/tensor.js';
import { computeMetrics } from '../src/train/loop/metrics.js';
import { argmax } from '../src/ops/metrics.js';
import { classCounts } from '../src/train/loop/evaluate.js';
import { cosineSchedule } from '../src/train/loop/schedule.js';
import { loadWeights, modelToSafe } from '../src/train/run-io/checkpoint.js';
import { cardFromMetadata, cardToMetadata, type ModelCard } from '../src/train/run-io/model-card.js';
import { decodeSafetensors, encodeSafetensors } from '../src/train/run-io/safetensors-format.js';
import { CONV_CHECK, wave } from './conv-check.js';
import { buildSplits, CLASSES, loadFiles, SHAPE } from './data.js';
import { drawAccuracy, drawStrip } from './draw.js';

export interface DemoState {
  adapter: string;
  losses: { epoch: number; phase: string; loss: number; seconds: number; images: number }[];
  accuracy: number[][];
  gaes: number[];
  /** conv2d on fixed inputs (test/browser-demo.test.ts compares it with Node's). */
  conv: number[];
  done: boolean;
  error: string | null;
}
const state: DemoState = { adapter: '', losses: [], accuracy: [], gaes: [], conv: [], done: false, error: null };
(window as unknown as { aeglDemo: DemoState }).aeglDemo = state;

const params = new URLSearchParams(location.search);
const num = (name: string, fallback: number) => (params.has(name) ? Number(params.get(name)) : fallback);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($('status').textContent = text);
const TAIL_FROM = 5;
/** How often the status line reads the running loss back (each read waits for the GPU). */
const STATUS_MS = 2000;
/** What `aegl-gpu eval` and `predict` read from an exported model's metadata. */
const CARD: ModelCard = { dataset: 'fmnist', classes: [...CLASSES], ...SHAPE, normalize: null, model: 'cnn', head: 'linear' };
// The CLI's Fashion-MNIST defaults (src/train/loop/config.ts), chosen there on a validation split:
// lr 0.05 with a one-epoch warm-up and a per-step cosine decay, then the fine-tune's constant lr.
const CE = { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 };
const AEGL = { lr: 1e-5, steps: 3, eps: 1 / 255, alpha: 1 / 255 / 8 };

async function checkConv(): Promise<number[]> {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const { x, w, padding } = CONV_CHECK;
  const y = conv2d(Tensor.from(wave(size(x), 0), x), Tensor.from(wave(size(w), 1), w), null, { padding });
  const out = Array.from(await y.read());
  y.dispose();
  return out;
}

function logRow(epoch: number, phase: string, loss: number, top1: number, gaes: number | null, seconds: number | null): void {
  const row = document.createElement('tr');
  for (const v of [epoch, phase, Number.isNaN(loss) ? '—' : loss.toFixed(4), `${top1.toFixed(2)}%`, gaes ?? '—', seconds === null ? '—' : seconds.toFixed(1)]) row.append(Object.assign(document.createElement('td'), { textContent: String(v) }));
  $('log').append(row);
}

async function run(): Promise<void> {
  const gpu = await openNavigatorGpu(navigator.gpu);
  await initPageEngine(gpu, shaders);
  state.adapter = [gpu.adapter.info.vendor, gpu.adapter.info.architecture, gpu.adapter.info.description].filter(Boolean).join(' ');
  state.conv = await checkConv();

  status(`${state.adapter}: loading Fashion-MNIST…`);
  const files = await loadFiles('data/', ($('files') as HTMLInputElement).files?.length ? ($('files') as HTMLInputElement).files : null);
  const rho = Number(($('rho') as HTMLInputElement).value);
  const { train, counts, test } = buildSplits(files, rho, num('fraction', 1), num('test', 10000));
  const trainData = GpuDataset.upload(train, SHAPE, { seed: 0 });
  const testData = GpuDataset.upload(test, SHAPE, { seed: 0 });
  const batch = num('batch', 128);
  const model = new FashionCnn({ numClasses: CLASSES.length, seed: 0 });
  const checkpoint = ($('checkpoint') as HTMLInputElement).files?.[0];
  if (checkpoint) await loadCheckpoint(model, checkpoint);
  $('export').onclick = () => void exportModel(model);
  const objective = new Objective('ce', counts, Number.MAX_SAFE_INTEGER);
  let sgd = new SGD(model.parameters(), CE);
  const lossSum = Tensor.zeros([1]);

  const evaluate = async (epoch: number, phase: string, loss: number, gaes: number | null, seconds: number | null) => {
    const metrics = computeMetrics(await classCounts(model, testData, CLASSES.length, batch), counts, TAIL_FROM);
    const accuracy = metrics.perClass.map((a) => a ?? 0);
    state.accuracy.push(accuracy);
    drawAccuracy($('chart') as unknown as SVGSVGElement, accuracy, counts, TAIL_FROM);
    logRow(epoch, phase, loss, metrics.top1, gaes, seconds);
  };

  if (checkpoint) await evaluate(0, 'loaded', NaN, null, null);
  const epochs = Number(($('epochs') as HTMLInputElement).value);
  const aeglEpochs = Number(($('aegl-epochs') as HTMLInputElement).value);
  const aegl = new Aegl({ seed: 0, steps: AEGL.steps, eps: AEGL.eps, alpha: AEGL.alpha, tailFrom: TAIL_FROM, protocol: 'default' }, train.labels, CLASSES.length);
  for (let e = 0; e < epochs + aeglEpochs; e++) {
    const fineTune = e >= epochs;
    const phase = fineTune ? 'AEGL' : 'CE';
    if (e === epochs) {
      // The fine-tune starts with a fresh optimizer, as `aegl-gpu train --init` does.
      sgd.dispose();
      sgd = new SGD(model.parameters(), { ...CE, lr: AEGL.lr });
    }
    const order = trainData.startEpoch(e);
    if (fineTune) aegl.startEpoch(e, order, batch);
    model.train();
    // The epoch's losses add up on the GPU (as the CLI's session does); the running loss is read
    // only every couple of seconds, which also lets the page redraw.
    fillBits(lossSum, 0);
    const started = performance.now();
    let shown = started;
    const steps = trainData.numBatches(batch);
    const ceLr = cosineSchedule(CE.lr, { epochs, stepsPerEpoch: steps, warmup: 1 });
    for (let k = 0; k < steps; k++) {
      if (!fineTune) sgd.lr = ceLr(e, k);
      tidy(() => addInPlace(lossSum, trainStep({ model, objective, sgd, aegl: fineTune ? aegl : null }, trainData.batch(k, batch, { augment: false }), k)));
      engine().flush();
      if (performance.now() - shown > STATUS_MS) {
        status(`${state.adapter}: ${phase} epoch ${e + 1}, step ${k + 1}/${steps}, loss ${((await lossSum.item()) / (k + 1)).toFixed(4)}`);
        shown = performance.now();
      }
    }
    const loss = (await lossSum.item()) / steps;
    const seconds = (performance.now() - started) / 1000;
    state.losses.push({ epoch: e + 1, phase, loss, seconds, images: train.labels.length });
    const gaes = fineTune ? Array.from(await aegl.counts.read()).filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0) : null;
    if (gaes !== null) state.gaes.push(gaes);
    await evaluate(e + 1, phase, loss, gaes, seconds);
    if (fineTune) await showStrip(model, aegl, trainData, batch);
  }
  ($('export') as HTMLButtonElement).disabled = false;
  state.done = true;
  status(`${state.adapter}: done`);
}

/** A CLI checkpoint of the Fashion-MNIST CNN, loaded strictly (every tensor, no other), as `aegl-gpu eval` loads it. */
async function loadCheckpoint(model: FashionCnn, file: File): Promise<void> {
  const safe = decodeSafetensors(new Uint8Array(await file.arrayBuffer()), file.name);
  const card = cardFromMetadata(file.name, safe.metadata);
  if (card && (card.model !== 'cnn' || card.head !== 'linear' || `${card.channels}x${card.height}x${card.width}` !== '1x28x28' || card.normalize)) {
    throw new Error(`${file.name}: a ${card.model} (${card.head} head, ${card.channels}×${card.height}×${card.width}${card.normalize ? ', normalised inputs' : ''}); this page trains the Fashion-MNIST CNN on raw 1×28×28 pixels`);
  }
  loadWeights(file.name, model, safe);
}

/** Downloads the model as safetensors with its card: `aegl-gpu eval --checkpoint` accepts it. */
async function exportModel(model: FashionCnn): Promise<void> {
  const parts = encodeSafetensors(await modelToSafe(model), cardToMetadata(CARD));
  const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(new Blob(parts as Uint8Array<ArrayBuffer>[])), download: 'aegl-demo.safetensors' });
  link.click();
  // The download reads the blob after this returns.
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** The first batch's tail images, attacked again by the fine-tuned model, and what it predicts for each. */
async function showStrip(model: FashionCnn, aegl: Aegl, data: GpuDataset, batch: number): Promise<void> {
  const k = [...Array(data.numBatches(batch)).keys()].find((b) => aegl.tailCount(b) > 0);
  if (k === undefined) return;
  const shown = Math.min(8, aegl.tailCount(k));
  const tensors = tidy(() => {
    const { x, y } = data.batch(k, batch, { augment: false });
    const a = aegl.attack(k, model, x, y)!;
    model.eval();
    const both = noGrad(() => [argmax(model.forward(a.xClean)), argmax(model.forward(a.xAdv))]);
    model.train();
    return [a.xClean, a.xAdv, ...both];
  });
  const [clean, adv, onClean, onAdv] = await Promise.all(tensors.map((t) => t.read()));
  tensors.forEach((t) => t.dispose());
  const predicted = [...Array.from(onClean).slice(0, shown), ...Array.from(onAdv).slice(0, shown)];
  drawStrip($('strip').querySelector('canvas')!, clean as Float32Array, adv as Float32Array, shown, 28, predicted.map((p) => CLASSES[p]));
}

$('start').addEventListener('click', () => void start());
let started = false;
function start(): void {
  if (started) return;
  started = true;
  run().catch((e: Error) => {
    state.error = e.message;
    status(`error: ${e.message}`);
  });
}
if (params.get('auto') === '1') {
  for (const [id, name] of [['rho', 'rho'], ['epochs', 'epochs'], ['aegl-epochs', 'aegl-epochs']]) if (params.has(name)) ($(id) as HTMLInputElement).value = params.get(name)!;
  start();
} else status('press "train" (defaults: the whole long-tailed subset, 3 CE epochs then 1 AEGL epoch)');
