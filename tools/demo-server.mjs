#!/usr/bin/env node
// `npm run demo`: bundles the demo page (demo/main.ts, with esbuild and the shaders as strings)
// and serves it on 127.0.0.1 with Debian's Fashion-MNIST IDX files under data/.
// Usage: node tools/demo-server.mjs [--port N]   (default 8080; 0 picks a free one)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { shadersPlugin } from './bundle-browser.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const DATA = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** Builds the page's script and serves the page; resolves to its URL and a close(). */
export async function startDemoServer({ port = 8080 } = {}) {
  const bundle = await build({
    entryPoints: [`${ROOT}demo/main.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [shadersPlugin],
  });
  const script = bundle.outputFiles[0].contents;
  const page = readFileSync(`${ROOT}demo/index.html`);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const send = (type, body) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/' || path === '/index.html') return send('text/html; charset=utf-8', page);
    if (path === '/demo.js') return send('text/javascript; charset=utf-8', script);
    const name = path.startsWith('/data/') ? path.slice(6) : '';
    if (DATA.includes(name)) {
      try {
        return send('application/octet-stream', readFileSync(`${FASHION_MNIST_DIR}/${name}`));
      } catch {
        res.writeHead(404).end(`${FASHION_MNIST_DIR}/${name} is missing: apt-get install dataset-fashion-mnist, or pick the files in the page`);
        return;
      }
    }
    res.writeHead(404).end('not found');
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0) {
    console.error(`demo-server: --port ${process.argv[at + 1]}: not a port number`);
    process.exit(2);
  }
  const { url } = await startDemoServer({ port });
  console.log(`aegl-gpu demo: open ${url} in a browser with WebGPU (Chrome/Edge 113+, Safari 26, Firefox 141+ on Windows); Ctrl-C stops`);
}
