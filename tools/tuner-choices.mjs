#!/usr/bin/env node
// Summarises a tuning cache (`$AEGL_CACHE_DIR/tuning.json`, else ~/.cache/aegl-gpu/tuning.json) as
// how often the tuner chose each variant, per adapter and kernel kind: the evidence, committed as
// bench/results/tuner-choices.json, that decides which conv variants training tunes over and which
// stay in the lab (test/conv-variants.test.ts reads it).
// Usage: node tools/tuner-choices.mjs [OUT.json]   (stdout without OUT)
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const path = join(process.env.AEGL_CACHE_DIR || join(homedir(), '.cache', 'aegl-gpu'), 'tuning.json');
let cache;
try {
  cache = JSON.parse(readFileSync(path, 'utf8'));
} catch (e) {
  console.error(`tuner-choices: cannot read the tuning cache ${path}: ${e.message}`);
  process.exit(1);
}
const adapters = {};
for (const [adapter, kinds] of Object.entries(cache.adapters ?? {})) {
  adapters[adapter] = {};
  for (const [kind, shapes] of Object.entries(kinds)) {
    const counts = {};
    for (const choice of Object.values(shapes)) counts[choice.variant] = (counts[choice.variant] ?? 0) + 1;
    adapters[adapter][kind] = Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
  }
}
const text = `${JSON.stringify({ date: new Date().toISOString(), note: 'shapes tuned per variant chosen', adapters }, null, 1)}\n`;
if (process.argv[2]) writeFileSync(process.argv[2], text);
else process.stdout.write(text);
