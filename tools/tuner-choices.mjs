#!/usr/bin/env node
// Reads this machine's tuning cache (where the engine keeps it: $AEGL_CACHE_DIR/tuning.json, else
// ~/.cache/aegl-gpu/tuning.json; run `npm run build` first) and writes
//   summary OUT.json — how often the tuner chose each variant, per adapter and kernel kind: the
//     evidence, committed as bench/results/tuner-choices.json, that decides which conv variants
//     training tunes over and which stay in the lab (test/conv-variants.test.ts reads it);
//   ship OUT.json — every adapter's choices (variant names only), committed as
//     src/gpu/shipped-tuning.json: what a fresh machine with the same adapter name and backend runs
//     before its own tuner has confirmed it (src/gpu/tuner.ts).
// Usage: node tools/tuner-choices.mjs summary|ship OUT.json
import { writeFileSync } from 'node:fs';
import { tuningFile } from '../dist/gpu/tuning-file.js';

const [mode, out] = process.argv.slice(2);
if (!['summary', 'ship'].includes(mode) || !out) {
  console.error('usage: node tools/tuner-choices.mjs summary|ship OUT.json');
  process.exit(2);
}
const path = tuningFile.where();
let cache;
try {
  cache = JSON.parse(tuningFile.read() ?? 'null');
  if (!cache?.adapters) throw new Error('no tuning cache there');
} catch (e) {
  console.error(`tuner-choices: cannot read the tuning cache ${path}: ${e.message}`);
  process.exit(1);
}
const date = new Date().toISOString();
const perAdapter = (f) => Object.entries(cache.adapters ?? {}).map(([adapter, kinds]) => [adapter, Object.fromEntries(Object.entries(kinds).map(([kind, shapes]) => [kind, f(shapes)]))]);

let file;
if (mode === 'summary') {
  const counts = (shapes) => {
    const n = {};
    for (const choice of Object.values(shapes)) n[choice.variant] = (n[choice.variant] ?? 0) + 1;
    return Object.fromEntries(Object.entries(n).sort(([, a], [, b]) => b - a));
  };
  file = { date, note: 'shapes tuned per variant chosen', adapters: Object.fromEntries(perAdapter(counts)) };
} else {
  const variants = (shapes) => Object.fromEntries(Object.entries(shapes).map(([key, choice]) => [key, choice.variant]));
  const adapters = perAdapter(variants).map(([adapter, choices]) => {
    const [name, backend, measuredOn] = adapter.split(' | ');
    return { name, backend, measuredOn, date, choices };
  });
  file = { adapters };
}
writeFileSync(out, `${JSON.stringify(file, null, 1)}\n`);
console.log(`wrote ${out} from ${path}`);
