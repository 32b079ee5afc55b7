#!/usr/bin/env node
// Entry for `npx aegl-gpu`: the compiled CLI (built by `npm ci` through the `prepare` script).
import '../dist/cli.js';
