#!/usr/bin/env node
// The aegl-gpu command line: each command's work lives in its own module; this file only wires flags.
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { GpuUnavailableError } from './gpu/device.js';
import { closeEngine, initEngine } from './gpu/engine.js';
import { describeEngine } from './gpu/info.js';
import { UserError } from './errors.js';
import type { TrainFlags } from './train/loop/config.js';
import { packageVersion } from './train/run-io/run-dir.js';

/** Every user mistake ends the same way: one line "aegl-gpu: …" on stderr, exit status 2. */
const USAGE_EXIT = 2;

const program = new Command()
  .name('aegl-gpu')
  .description('WebGPU training engine for long-tailed image classification with AEGL')
  .version(packageVersion(), '-V, --version', 'print the version')
  .option('--adapter <spec>', 'WebGPU adapter: a backend (vulkan, opengles), part of its name, or backend:name (env AEGL_ADAPTER)')
  // Set before the commands are added, so each of them inherits it: commander's own usage errors
  // (an unknown flag, a missing value) read like the commands' errors and exit alike.
  .configureOutput({ outputError: (message, write) => write(`aegl-gpu: ${message.replace(/^error: /, '').trimEnd()} (see --help)\n`) })
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT));

/** Runs a command body (which may return an exit status), turns user mistakes into one-line errors, and always releases the GPU. */
function action<A extends unknown[]>(body: (...args: A) => Promise<void | number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code = 0;
    try {
      code = (await body(...args)) ?? 0;
    } catch (e) {
      if (e instanceof UserError || e instanceof GpuUnavailableError) {
        process.stderr.write(`aegl-gpu: ${e.message}\n`);
        code = USAGE_EXIT;
      } else {
        process.stderr.write(`aegl-gpu: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        code = 1;
      }
    }
    closeEngine();
    // Dawn keeps the event loop alive while its instance exists: exit explicitly.
    process.exit(code);
  };
}

const adapterFlag = () => program.opts<{ adapter?: string }>().adapter;

program
  .command('info')
  .description('print the WebGPU adapter, backend, features and limits')
  .option('--brief', 'adapter and backend only')
  .action(
    action(async (opts: { brief?: boolean }) => {
      const e = await initEngine({ adapter: adapterFlag() });
      console.log(await describeEngine(e, !!opts.brief));
    }),
  );

program
  .command('demo')
  .description('train a small MLP on synthetic imbalanced 2-D data (three blobs, 500/100/20 points) in seconds')
  .option('--steps <n>', 'full-batch SGD steps (default 300)')
  .option('--seed <n>', 'seed of the data and the initial weights (default 0)')
  .action(
    action(async (opts: { steps?: string; seed?: string }) => {
      const { parseDemoFlags, runDemo } = await import('./train/commands/demo.js');
      const options = parseDemoFlags(opts);
      await initEngine({ adapter: adapterFlag() });
      await runDemo(options);
    }),
  );

program
  .command('bench')
  .description('microbenchmarks: device ceilings, every kernel variant on the model layer shapes, TF.js WebGPU peer')
  .option('--filter <regex>', 'only kernels whose name matches (e.g. "conv2d|linear")')
  .option('--quick', 'a small subset (about a minute)')
  .option('--out <file>', 'JSON results (markdown next to it as .md); default runs/bench/<backend>-<date>.json')
  .option('--no-tfjs', 'skip the TensorFlow.js WebGPU comparison')
  .option('--no-torch', 'skip the PyTorch CPU comparison (whole steps and one epoch, interleaved with ours)')
  .option('--breakdown', 'only where each whole training step\'s time goes, per kernel (Markdown to --out, default runs/bench/breakdown-<backend>-<date>.md)')
  .option('--wall-clock', 'time by the wall clock even where GPU timestamps exist (compare adapters like for like)')
  .action(
    action(async (opts: { filter?: string; quick?: boolean; out?: string; tfjs: boolean; torch: boolean; wallClock?: boolean; breakdown?: boolean }) => {
      // The suite lives in bench/*.ts: these hooks transpile it and point its ../src imports at dist.
      // Both it and its peer (TF.js) are development parts, absent from an installed package.
      if (!existsSync(new URL('../bench/main.ts', import.meta.url))) {
        throw new UserError('bench runs from a clone of the repository (its suite and the TF.js peer are development dependencies): git clone the project, npm ci, npm run bench');
      }
      const { register } = await import('node:module');
      register('../bench/ts-hooks.mjs', import.meta.url);
      const { runBench } = await import(new URL('../bench/main.ts', import.meta.url).href);
      await runBench({ ...opts, adapter: adapterFlag() });
    }),
  );

/**
 * The flags shared by train, run, ablate and sweep; defaults depend on the dataset and method (see
 * src/train/config.ts). A grid (sweep) takes lists of datasets and ρ and none of one run's own flags.
 */
function trainingOptions(cmd: Command, { steps = true, grid = false } = {}): Command {
  if (grid) {
    cmd
      .option('--dataset <names>', 'comma-separated: fmnist, cifar10, cifar100, folder (default fmnist)')
      .option('--imbalance <rhos>', 'comma-separated ρ = n_min / n_max values (default 0.01)');
  } else {
    cmd
      .option('--dataset <name>', 'fmnist | cifar10 | cifar100 | folder (default fmnist, from Debian\'s dataset-fashion-mnist)')
      .option('--imbalance <rho>', 'n_min / n_max of the long-tailed training set (default 0.01)')
      .option('--subset <file>', 'use the long-tail subset recorded in this file (every run writes its subset.json)');
  }
  cmd
    .option('--data-dir <dir>', 'where the dataset files are (defaults: fmnist /usr/share/datasets/fashion-mnist, cifar10 ../shared/data/cifar-10-batches-bin)')
    .option('--image-size <S>', 'folder: resize every image to cover S×S and centre-crop it (default: the first image\'s size)')
    .option('--profile <exp|step>', 'long-tail profile (default exp)')
    .option('--subset-seed <n>', 'seed of the long-tail subset and the validation split, apart from --seed (default 0, as LDAM-DRW)')
    .option('--subset-rng <numpy|own>', "numpy: the images kaidic/LDAM-DRW's IMBALANCECIFAR keeps (np.random.seed + shuffle, bit-exact; default for cifar10/100); own: our counter-based shuffle (default otherwise)")
    .option('--val-per-class <V>', 'hold out V images per class for validation, from the train images the subset leaves unused (the head class gives its own); best epoch chosen on validation (default 0: on test)')
    .option('--model <name>', 'resnet32 | cnn (default: cnn for fmnist, resnet32 otherwise)')
    .option('--base-loss <loss>', 'ce | drw | ldam | ldam-drw: the loss AEGL adds its term to (default ce)')
    .option('--batch-size <n>', 'batch size (default 128)')
    .option('--momentum <m>', 'SGD momentum (default 0.9)')
    .option('--weight-decay <wd>', 'weight decay (defaults: CIFAR 2e-4, fmnist 5e-4)')
    .option('--schedule <name>', 'ldam-drw (5-epoch warm-up, ×0.01 after 160, ×0.0001 after 180) | cosine | aegl (lr, lr/10, lr/100 at epochs 1-10/11-30/31 on)')
    .option('--warmup-epochs <n>', 'linear warm-up epochs (default 5 with the ldam-drw schedule)')
    .option('--drw-epoch <n>', '0-based epoch from which DRW re-weights (default 80 % of --epochs: 160 of 200)')
    .option('--augment', 'random crop (pad 4) + horizontal flip (default on, except fmnist)')
    .option('--no-augment', 'no augmentation')
    .option('--normalize', 'normalise inputs by the training set\'s channel mean/std (off: pixels in [0,1], as the AEGL code)')
  if (!grid) {
    cmd
      .option('--epochs <n>', 'epochs (defaults: fmnist 10, CIFAR 200; AEGL fine-tune 60, on fmnist 3, with --protocol official 200)')
      .option('--lr <lr>', 'start learning rate (defaults: fmnist 0.05, CIFAR 0.1; AEGL 0.001, on fmnist 1e-5)')
      .option('--seed <n>', 'training seed: init, order, augmentation and attack (default 0; the subset has --subset-seed)')
      .option('--init <checkpoint>', 'start from these weights (safetensors) with a fresh optimizer');
  }
  if (steps) cmd.option('--steps <k>', 'AEGL: PGD steps (default 3; 8 with --protocol official)');
  return cmd
    .option('--tail-from <T>', 'AEGL: classes ≥ T are tail (default ⌈C/2⌉)')
    .option('--eps <e>', 'AEGL: L∞ radius (default 1/255)')
    .option('--alpha <a>', 'AEGL: step size (default eps/8)')
    .option('--protocol <p>', 'AEGL: default | official — the released train_adv.py exactly, quirks included: NS = 8; tail = labels ≥ 5; the GAE filter compares a prediction with every tail label in the batch; the final iterate is never evaluated; the clean loss is computed before the attack, so batch norm runs in train mode (and updates its statistics) for the first batch of each epoch and in eval mode after; lr by 0-based epoch 0–9 lr, 10–28 lr/10, 29–58 lr/100, from 59 lr again; 200 epochs; DRW from epoch 160 of the fine-tune; no step on a batch without a tail example')
    .option('--freeze-bn', 'AEGL: keep batch-norm statistics fixed (inference mode) during the fine-tune');
}

const trainAction = (method?: TrainFlags['method']) =>
  action(async (opts: TrainFlags & { out?: string; resume?: string; method?: string }) => {
    const { train } = await import('./train/commands/train.js');
    const { out, resume, ...flags } = opts;
    const r = await train({ ...flags, method: method ?? (flags.method as TrainFlags['method']) }, { out, resume, adapter: adapterFlag() });
    return r.interrupted ? 130 : 0;
  });

trainingOptions(
  program
    .command('train')
    .description('train a model on a long-tailed dataset (no flags: CE on Fashion-MNIST-LT ρ=0.01, about 5 minutes on a 2-core CPU adapter, a first run included: kernel choices for known adapters ship with the package)')
    .option('--method <m>', 'ce | drw | ldam | ldam-drw | aegl (default ce; aegl wants --init <stage-1 checkpoint>)')
    .option('--out <dir>', 'run directory (default runs/<dataset>-<method>-<rho>-s<seed>-<time>)')
    .option('--resume <dir>', 'continue a stopped run in this directory exactly (its config.json settings are used)'),
).action(trainAction());

program
  .command('eval')
  .description('test accuracy of a checkpoint, overall and per class (ours or PyTorch\'s safetensors export of the LDAM-DRW ResNet-32)')
  .requiredOption('--checkpoint <file>', 'a .safetensors checkpoint')
  .option('--dataset <name>', 'fmnist | cifar10 | cifar100 | folder (default: cifar10 for ResNet-32, fmnist for the CNN)')
  .option('--data-dir <dir>', 'where the dataset files are')
  .option('--batch-size <n>', 'evaluation batch size (default 256)')
  .option('--json', 'print JSON')
  .action(
    action(async (opts: { checkpoint: string; dataset?: string; dataDir?: string; batchSize?: string; json?: boolean }) => {
      const { evaluateCheckpoint, formatEval } = await import('./train/commands/eval.js');
      const r = await evaluateCheckpoint({ ...opts, adapter: adapterFlag() });
      console.log(opts.json ? JSON.stringify(r) : formatEval(r));
    }),
  );

program
  .command('predict')
  .description('the top-k classes of images (PNG/JPEG files, or folders of them) under a trained model, read as it was trained: channels, resize + centre crop, normalisation')
  .argument('<images...>', 'image files and folders')
  .requiredOption('--checkpoint <file>', 'a .safetensors checkpoint (ours carry their classes, input size and normalisation)')
  .option('--top-k <k>', 'classes to show per image (default 3)')
  .option('--dataset <name>', 'a checkpoint without that metadata (a PyTorch export): the dataset whose class names and input shape it has (default: fmnist for the CNN, cifar10 for ResNet-32)')
  .option('--data-dir <dir>', 'where that dataset\'s files are')
  .option('--json', 'print JSON: [{file, top: [{index, name, probability}]}]')
  .action(
    action(async (images: string[], opts: { checkpoint: string; topK?: string; dataset?: string; dataDir?: string; json?: boolean }) => {
      const { predictImages, formatPredictions } = await import('./train/commands/predict.js');
      const predictions = await predictImages(images, { ...opts, adapter: adapterFlag() });
      console.log(opts.json ? JSON.stringify(predictions) : formatPredictions(predictions));
    }),
  );

trainingOptions(
  program
    .command('run')
    .description('the whole AEGL pipeline: stage 1 with --base-loss (default CE), then the AEGL fine-tune from its best checkpoint; the report compares both per class')
    .requiredOption('--out <dir>', 'directory for stage1/, aegl/ and the comparison report')
    .option('--stage1-epochs <n>', 'stage-1 epochs (default: the dataset\'s baseline default)')
    .option('--aegl-epochs <n>', 'fine-tune epochs (default 60; fmnist 3)'),
).action(
  action(async (opts: TrainFlags & { out: string; stage1Epochs?: string; aeglEpochs?: string }) => {
    const { runPipeline } = await import('./train/commands/run.js');
    const { out, ...flags } = opts;
    return runPipeline(flags, { out, adapter: adapterFlag() });
  }),
);

trainingOptions(
  program
    .command('ablate')
    .description('the k-step ablation: one AEGL fine-tune per k from the same stage-1 checkpoint; table and plot of accuracy and GAE count against k')
    .requiredOption('--out <dir>', 'directory for k<k>/ runs and ablation.md')
    .option('--steps <ks>', 'PGD step counts to compare, comma-separated', '1,3,5,7,9'),
  { steps: false },
).action(
  action(async (opts: TrainFlags & { out: string; steps: string }) => {
    const { runAblation } = await import('./train/commands/ablate.js');
    const { out, steps, ...flags } = opts;
    return runAblation({ ...flags, stepsList: steps }, { out, adapter: adapterFlag() });
  }),
);

trainingOptions(
  program
    .command('sweep')
    .description('a grid of datasets × ρ × seeds × methods as run directories under --out, then summary.md/json/csv: mean ± std per cell, paired differences AEGL − stage 1 and AEGL − control with 95 % t-intervals, McNemar per seed; resumable (run it again), shardable')
    .requiredOption('--out <dir>', 'root of the grid: <dataset>-<ρ>/s<seed>/<method>/ and the summary files')
    .option('--seeds <list>', 'training seeds, comma-separated (default 0,1,2; the subset and validation split stay those of --subset-seed)')
    .option('--methods <list>', 'of ce, ldam-drw (stage 1), aegl (fine-tune of the same seed\'s stage 1), control (the same fine-tune without the attack) (default ce,aegl,control)')
    .option('--aegl-from <loss>', 'the stage 1 that aegl and control fine-tune, and AEGL\'s base loss: ce or ldam-drw (default ce)')
    .option('--stage1-epochs <n>', 'stage-1 epochs (default: the dataset\'s)')
    .option('--aegl-epochs <n>', 'fine-tune epochs, AEGL and control (default: AEGL\'s for the dataset)')
    .option('--aegl-lr <lr>', 'fine-tune learning rate, AEGL and control (default: AEGL\'s for the dataset)')
    .option('--shard <i/n>', 'run only every n-th (dataset, ρ, seed) group, starting with the i-th (1-based): spread a grid over machines'),
  { grid: true },
).action(
  action(async (opts: import('./train/commands/sweep.js').SweepFlags & { out: string }) => {
    const { runSweep } = await import('./train/commands/sweep.js');
    const { out, ...flags } = opts;
    return runSweep(flags, { out, adapter: adapterFlag() });
  }),
);

program
  .command('report')
  .description('rebuild each run\'s report.md and plots from its files; for several runs, also a side-by-side comparison (overall, head/tail, per class) with one plot')
  .argument('<runs...>', 'run directories (each holds config.json and metrics.jsonl)')
  .option('--out <file>', 'the comparison\'s Markdown, its plot beside it as <name>.svg (default comparison.md)')
  .action(
    action(async (runs: string[], opts: { out?: string }) => {
      const { reportRuns } = await import('./train/commands/report.js');
      reportRuns(runs, { out: opts.out });
    }),
  );

program
  .command('data')
  .description('per-class train/test counts of a (long-tailed) dataset and a PNG grid of samples per class')
  .requiredOption('--dataset <name>', 'fmnist, cifar10, cifar100 or folder')
  .option('--data-dir <dir>', 'where the files are (default: fmnist /usr/share/datasets/fashion-mnist, cifar10 ../shared/data/cifar-10-batches-bin)')
  .option('--imbalance <rho>', 'long-tailed train subset with n_min / n_max = rho (e.g. 0.01); default: the full train split')
  .option('--image-size <S>', 'folder: resize every image to cover S×S and centre-crop it (default: the first image\'s size)')
  .option('--profile <exp|step>', 'long-tail profile', 'exp')
  .option('--subset-seed <n>', 'seed of the per-class choice (LDAM-DRW: 0)', '0')
  .option('--subset-rng <numpy|own>', "numpy: the images kaidic/LDAM-DRW's IMBALANCECIFAR keeps (np.random.seed + shuffle, bit-exact; default for cifar10/100); own: our counter-based shuffle (default otherwise)")
  .option('--val-per-class <V>', 'hold out V images per class for validation, from the train images the subset leaves unused (default 0: none)')
  .option('--seed <n>', 'seed of the augmented samples', '0')
  .option('--subset <file>', 'reuse the train subset listed in this file (a subset.json written earlier)')
  .option('--out <dir>', 'folder for samples.png and subset.json (default runs/data/<dataset>)')
  .option('--augmented', "also write samples-augmented.png: the same samples as the GPU augments them for training")
  .action(
    action(async (opts: import('./data/command.js').DataCommandFlags) => {
      const { runDataCommand } = await import('./data/command.js');
      await runDataCommand({ ...opts, adapter: adapterFlag() });
    }),
  );

await program.parseAsync(process.argv);
