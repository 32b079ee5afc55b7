// Per-adapter kernel variant tuner. Recording a step is synchronous and timing needs awaits, so:
// ops call chooseVariant() (the cached choice, else a choice shipped for this adapter, else the
// default, and the shape is remembered as pending); `await tunePending()` (the trainer after its
// first step, the benchmark) times every variant of each pending shape on random inputs, rejects
// variants whose output disagrees with the default variant's, keeps the fastest and saves the
// choices to disk. Shipped choices (shipped-tuning.json) spare a fresh machine that wait;
// `confirmShipped()` re-tunes the ones this run used, a time budget at a time. AEGL_TUNE=0: defaults.
import { RngStream } from '../rng-streams.js';
import { randUniform } from '../rng.js';
import { Tensor, tidy } from '../tensor.js';
import { engine } from './engine.js';
import shippedTuning from './shipped-tuning.json' with { type: 'json' };

const CACHE_VERSION = 1;
/** Output agreement required of a variant: ‖out − default‖ ≤ TOLERANCE · ‖default‖ (DESIGN.md's f32 bound). */
const TOLERANCE = 1e-4;
/** Each variant is timed over about this long in all (at most MAX_REPS runs a round), after one checked run… */
const TARGET_MS = 40;
const MAX_REPS = 20;
/**
 * …in ROUNDS rounds over the variants, each keeping its fastest round. Timed one after another, a
 * slow spell of a shared machine (±30 % on the 2-core VM) fell on some variants only, and a retune
 * timed the 16-channel kernels 1.4× slower than one an hour before; interleaved, a spell slows every
 * variant alike.
 */
const ROUNDS = 3;

/** How the tuner runs one shape of one kernel kind: input shapes, and one recorded run per variant. */
export interface Trial {
  inputs: number[][];
  run(variant: string, inputs: Tensor[]): Tensor;
}

interface Tunable {
  variants: readonly string[];
  trial: (shapeKey: string) => Trial;
}

/** A tuned shape: the chosen variant and each variant's time in ms (null: failed the check). */
export interface Choice {
  variant: string;
  ms: Record<string, number | null>;
}

type Choices = Record<string, Record<string, Choice>>; // kind → shape key → choice

interface CacheFile {
  version: number;
  /** Keyed by adapterKey(): other adapters' choices are kept but never used here. */
  adapters: Record<string, Choices>;
}

interface Pending {
  kind: string;
  key: string;
  variants: readonly string[];
  fallback: string;
}

/** Choices measured on a known adapter and shipped with the package (tools/tuner-choices.mjs ship). */
export interface ShippedTuning {
  adapters: { name: string; backend: string; measuredOn: string; date: string; choices: Record<string, Record<string, string>> }[];
}

const tunables = new Map<string, Tunable>();
const pending = new Map<string, Pending>();
/** Shapes recorded with a shipped choice that this machine has not timed yet. */
const unconfirmed = new Map<string, Pending>();
let loaded: { path: string; file: CacheFile } | null = null;
let shipped: ShippedTuning = shippedTuning;

/** Ops register each kind once (at import), so tunePending() can rebuild a shape from its key. */
export function registerTunable(kind: string, variants: readonly string[], trial: (shapeKey: string) => Trial): void {
  tunables.set(kind, { variants, trial });
}

/** AEGL_TUNE=0 in Node's environment turns tuning off (a page has no such switch). */
export function tuningEnabled(): boolean {
  return globalThis.process?.env?.AEGL_TUNE !== '0';
}

/** Where the tuning cache lives: a file in Node (tuning-file.ts), memory or localStorage in a page. */
export interface TuningStore {
  /** The cache's place, for messages. */
  where(): string;
  /** The stored text, or null when there is none yet. */
  read(): string | null;
  write(text: string): void;
}

/** Until the platform sets one (initEngine does), choices live for this process only. */
let memoryText: string | null = null;
let store: TuningStore = { where: () => 'memory', read: () => memoryText, write: (text) => void (memoryText = text) };

export function setTuningStore(s: TuningStore): void {
  store = s;
  loaded = null;
}

export function tuningCachePath(): string {
  return store.where();
}

/** Adapter name + backend + driver description: a driver update starts a fresh tuning. */
export function adapterKey(): string {
  const s = engine().gpu.summary;
  return `${s.name} | ${s.backend} | ${s.description}`;
}

function warn(message: string): void {
  if (globalThis.process?.stderr) process.stderr.write(`aegl-gpu: ${message}\n`);
  else console.warn(`aegl-gpu: ${message}`);
}

function isChoice(c: unknown): c is Choice {
  return !!c && typeof c === 'object' && typeof (c as Choice).variant === 'string' && typeof (c as Choice).ms === 'object';
}

/** Parses a cache file; anything unexpected yields an empty cache and one warning. */
function readCache(path: string, quiet = false): CacheFile {
  const empty: CacheFile = { version: CACHE_VERSION, adapters: {} };
  const text = store.read();
  if (text === null) return empty;
  let problem = '';
  try {
    const parsed = JSON.parse(text) as CacheFile;
    if (parsed?.version !== CACHE_VERSION) problem = `version ${JSON.stringify(parsed?.version)}, expected ${CACHE_VERSION}`;
    else if (!parsed.adapters || typeof parsed.adapters !== 'object') problem = 'no "adapters" table';
    else {
      for (const choices of Object.values(parsed.adapters)) {
        for (const shapes of Object.values(choices ?? {})) {
          if (!Object.values(shapes ?? {}).every(isChoice)) problem = 'malformed entries';
        }
      }
    }
    if (!problem) return parsed;
  } catch {
    problem = 'not valid JSON';
  }
  if (!quiet) warn(`ignoring the tuning cache ${path} (${problem}); kernels will be re-tuned`);
  return empty;
}

function cache(): CacheFile {
  const path = tuningCachePath();
  if (loaded?.path !== path) loaded = { path, file: readCache(path) };
  return loaded.file;
}

function choicesHere(): Choices {
  const file = cache();
  return (file.adapters[adapterKey()] ??= {});
}

/** Replaces the shipped choices (tests; a page that ships its own). */
export function setShippedTuning(table: ShippedTuning): void {
  shipped = table;
  shippedHere = undefined;
}

let shippedHere: { adapter: string; choices: Record<string, Record<string, string>> } | undefined;

/** The shipped choices for this adapter: same name and backend (any driver version), else none. */
function shippedChoices(): Record<string, Record<string, string>> {
  const adapter = adapterKey();
  if (shippedHere?.adapter !== adapter) {
    const s = engine().gpu.summary;
    shippedHere = { adapter, choices: shipped.adapters.find((a) => a.name === s.name && a.backend === s.backend)?.choices ?? {} };
  }
  return shippedHere.choices;
}

/** How many shipped choices this adapter has (for `aegl-gpu info`). */
export function shippedChoiceCount(): number {
  return Object.values(shippedChoices()).reduce((n, shapes) => n + Object.keys(shapes).length, 0);
}

/**
 * The variant to record now for `kind` at `shapeKey`: the cached choice when it is one of
 * `variants`, else the shipped one (to be confirmed by confirmShipped()), else `fallback` (and the
 * shape is tuned by the next tunePending()).
 */
export function chooseVariant(kind: string, shapeKey: string, variants: readonly string[], fallback: string): string {
  if (!tuningEnabled()) return fallback;
  const cached = choicesHere()[kind]?.[shapeKey];
  if (cached && variants.includes(cached.variant)) return cached.variant;
  const id = `${kind}\n${shapeKey}`;
  const ship = shippedChoices()[kind]?.[shapeKey];
  if (ship && variants.includes(ship)) {
    unconfirmed.set(id, { kind, key: shapeKey, variants, fallback });
    return ship;
  }
  pending.set(id, { kind, key: shapeKey, variants, fallback });
  return fallback;
}

/** Shapes this run recorded with a shipped choice, not yet timed on this machine. */
export function unconfirmedShapes(): { kind: string; key: string }[] {
  return [...unconfirmed.values()].map(({ kind, key }) => ({ kind, key }));
}

/** Shapes chooseVariant() has seen without a cached choice. */
export function pendingShapes(): { kind: string; key: string }[] {
  return [...pending.values()].map(({ kind, key }) => ({ kind, key }));
}

/** The cached choice for a shape on this adapter, if any (for `bench` and tests). */
export function cachedChoice(kind: string, shapeKey: string): Choice | undefined {
  return choicesHere()[kind]?.[shapeKey];
}

function randomInputs(shapes: number[][], seed: number): Tensor[] {
  return shapes.map((shape, k) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = 2 * randUniform(seed + k, RngStream.tuner, i) - 1;
    return Tensor.from(data, shape);
  });
}

/** True when every value is finite and ‖got − want‖ ≤ TOLERANCE · ‖want‖. */
function agrees(got: Float32Array, want: Float32Array): boolean {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(got[i])) return false;
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return got.length === want.length && Math.sqrt(num) <= TOLERANCE * Math.sqrt(den);
}

async function runOnce(trial: Trial, variant: string, inputs: Tensor[]): Promise<Float32Array> {
  const out = tidy(() => trial.run(variant, inputs));
  const values = (await out.read()) as Float32Array;
  out.dispose();
  return values;
}

/** Wall-clock ms per run of `variant`, `reps` runs recorded back to back in one submit. */
export async function timeVariant(trial: Trial, variant: string, inputs: Tensor[], reps: number): Promise<number> {
  const e = engine();
  await e.sync();
  const start = performance.now();
  for (let i = 0; i < reps; i++) tidy(() => trial.run(variant, inputs)).dispose();
  await e.sync();
  return (performance.now() - start) / reps;
}

/** Checks and times every variant of one shape; the fastest variant that agrees with the fallback wins. */
export async function tuneShape(trial: Trial, variants: readonly string[], fallback: string): Promise<Choice> {
  const inputs = randomInputs(trial.inputs, 1);
  try {
    const want = await runOnce(trial, fallback, inputs);
    const ms: Record<string, number | null> = {};
    const reps = new Map<string, number>();
    for (const v of variants) {
      if (v !== fallback && !agrees(await runOnce(trial, v, inputs), want)) {
        ms[v] = null;
        continue;
      }
      const once = await timeVariant(trial, v, inputs, 1);
      reps.set(v, Math.max(1, Math.min(MAX_REPS, Math.ceil(TARGET_MS / ROUNDS / Math.max(once, 1e-3)))));
      ms[v] = Infinity;
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [v, n] of reps) ms[v] = Math.min(ms[v]!, await timeVariant(trial, v, inputs, n));
    }
    let best = fallback;
    for (const v of reps.keys()) if (ms[v]! < ms[best]!) best = v;
    return { variant: best, ms };
  } finally {
    inputs.forEach((t) => t.dispose());
  }
}

type Tuned = { kind: string; key: string; choice: Choice };

/** Tunes the shapes of `queue` (taking each out of it) until it is empty or `budgetMs` has passed, then saves the cache. */
async function tuneQueue(queue: Map<string, Pending>, budgetMs = Infinity): Promise<Tuned[]> {
  if (!tuningEnabled()) return [];
  const started = performance.now();
  const done: Tuned[] = [];
  for (const [id, p] of queue) {
    if (performance.now() - started >= budgetMs) break;
    queue.delete(id);
    const tunable = tunables.get(p.kind);
    if (!tunable) continue;
    const choice = await tuneShape(tunable.trial(p.key), p.variants, p.fallback);
    (choicesHere()[p.kind] ??= {})[p.key] = choice;
    done.push({ kind: p.kind, key: p.key, choice });
  }
  if (done.length) saveCache(done);
  return done;
}

/** Tunes every pending shape whose kind is registered, then saves the cache. Returns what it chose. */
export function tunePending(): Promise<Tuned[]> {
  return tuneQueue(pending);
}

/**
 * Times the shapes this run took shipped choices for, until `budgetMs` has passed (a shape
 * started is finished), and caches what this machine measures: from then on the cache, not the
 * shipped table, decides. Each returned entry says whether the tuner agreed with the shipped choice.
 */
export async function confirmShipped(budgetMs: number): Promise<(Tuned & { shipped: string })[]> {
  const shippedNow = shippedChoices();
  return (await tuneQueue(unconfirmed, budgetMs)).map((t) => ({ ...t, shipped: shippedNow[t.kind][t.key] }));
}

/** Merges this run's choices into the file as it is now (another process may have written it) and replaces it atomically. */
function saveCache(done: Tuned[]): void {
  const path = tuningCachePath();
  const file = readCache(path, true);
  const here = (file.adapters[adapterKey()] ??= {});
  for (const d of done) (here[d.kind] ??= {})[d.key] = d.choice;
  try {
    store.write(JSON.stringify(file, null, 1));
    loaded = { path, file };
  } catch (e) {
    warn(`cannot write the tuning cache ${path}: ${(e as Error).message}`);
  }
}
