// Node module hooks that let the compiled CLI (`aegl-gpu bench`) run the suite from bench/*.ts
// without a build step of its own: bench sources are transpiled on load, and their imports of
// ../src/*.js resolve to the compiled dist/*.js the CLI already loaded, so the suite and the CLI
// share one engine. Registered by src/cli.ts; TypeScript (a devDependency) does the transpiling.
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

const ROOT = new URL('../', import.meta.url).href;
const BENCH = `${ROOT}bench/`;
const SRC = `${ROOT}src/`;
const DIST = `${ROOT}dist/`;

export async function resolve(specifier, context, next) {
  if (context.parentURL?.startsWith(BENCH) && specifier.startsWith('.')) {
    const url = new URL(specifier, context.parentURL).href;
    if (url.startsWith(SRC)) return next(DIST + url.slice(SRC.length), context);
    if (url.startsWith(BENCH) && url.endsWith('.js')) return { url: url.replace(/\.js$/, '.ts'), shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith(BENCH) || !url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const out = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    fileName: url,
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
