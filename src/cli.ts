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

await program.parseAsync(process.argv);
