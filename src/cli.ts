#!/usr/bin/env node
// The aegl-gpu command line: each command's work lives in its own module; this file only wires flags.
import { Command } from 'commander';
import { GpuUnavailableError } from './gpu/device.js';
import { closeEngine, initEngine } from './gpu/engine.js';
import { describeEngine } from './gpu/info.js';
import { UserError } from './errors.js';

const program = new Command()
  .name('aegl-gpu')
  .description('WebGPU training engine for long-tailed image classification with AEGL')
  .option('--adapter <spec>', 'WebGPU adapter: a backend (vulkan, opengles), part of its name, or backend:name (env AEGL_ADAPTER)');

/** Runs a command body, turns user mistakes into one-line errors, and always releases the GPU. */
function action<A extends unknown[]>(body: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code = 0;
    try {
      await body(...args);
    } catch (e) {
      if (e instanceof UserError || e instanceof GpuUnavailableError) {
        process.stderr.write(`aegl-gpu: ${e.message}\n`);
        code = 2;
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
      const { parseDemoFlags, runDemo } = await import('./train/demo.js');
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
  .option('--wall-clock', 'time by the wall clock even where GPU timestamps exist (compare adapters like for like)')
  .action(
    action(async (opts: { filter?: string; quick?: boolean; out?: string; tfjs: boolean; wallClock?: boolean }) => {
      // The suite lives in bench/*.ts: these hooks transpile it and point its ../src imports at dist.
      const { register } = await import('node:module');
      register('../bench/ts-hooks.mjs', import.meta.url);
      const { runBench } = await import(new URL('../bench/main.ts', import.meta.url).href);
      await runBench({ ...opts, adapter: adapterFlag() });
    }),
  );

await program.parseAsync(process.argv);
