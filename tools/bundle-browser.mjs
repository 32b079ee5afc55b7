#!/usr/bin/env node
// Bundles src/browser.ts for a page with esbuild: ES module, browser platform, the WGSL of
// shaders/ included as strings (exported as `shaders`). Node's platform module (Dawn, files) stays
// out: engine.ts loads it only when handed no device. Any Node import left in the core fails the build.
// Usage: node tools/bundle-browser.mjs OUT.js
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** `import shaders from 'aegl:shaders'`: every shaders/*.wgsl as a string; Node's platform module left out. */
export const shadersPlugin = {
  name: 'aegl-shaders',
  setup(b) {
    b.onResolve({ filter: /^aegl:shaders$/ }, () => ({ path: 'shaders', namespace: 'aegl-shaders' }));
    b.onLoad({ filter: /.*/, namespace: 'aegl-shaders' }, () => {
      const dir = `${ROOT}shaders/`;
      const shaders = Object.fromEntries(
        readdirSync(dir)
          .filter((f) => f.endsWith('.wgsl'))
          .map((f) => [f.slice(0, -5), readFileSync(dir + f, 'utf8')]),
      );
      return { contents: `export default ${JSON.stringify(shaders)};`, loader: 'js', watchFiles: Object.keys(shaders).map((n) => `${dir}${n}.wgsl`) };
    });
    // Node's platform: reached only through initEngine's dynamic import, never in a page.
    b.onResolve({ filter: /node-platform\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** Builds the bundle to `outfile`; returns esbuild's result (its metafile lists every input). */
export function bundleBrowser(outfile) {
  return build({
    stdin: {
      contents: "export * from './src/browser.ts';\nexport { default as shaders } from 'aegl:shaders';\n",
      resolveDir: ROOT,
      sourcefile: 'aegl-browser-entry.js',
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile,
    metafile: true,
    logLevel: 'silent',
    plugins: [shadersPlugin],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node tools/bundle-browser.mjs OUT.js');
    process.exit(2);
  }
  await bundleBrowser(out);
  console.log(`wrote ${out}`);
}
