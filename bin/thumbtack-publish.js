#!/usr/bin/env node
'use strict';
// Runs the compiled `thumbtack-publish` (`npm run build` produces dist/).
const { run } = require('../dist/tools/thumbtack-publish.js');
const { processIo } = require('../dist/tools/tool-io.js');

run(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
