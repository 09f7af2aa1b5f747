#!/usr/bin/env node
'use strict';
// Runs the compiled `thumbtack-stats` (`npm run build` produces dist/). Ctrl-C stops it.
const { run } = require('../dist/tools/thumbtack-stats.js');
const { processIo } = require('../dist/tools/tool-io.js');

const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
process.once('SIGTERM', () => abort.abort());
run(process.argv.slice(2), { ...processIo(), signal: abort.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
