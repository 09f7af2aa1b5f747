#!/usr/bin/env -S node --max-semi-space-size=64 --no-parallel-scavenge
'use strict';
// Runs the compiled proxy (`npm run build` produces dist/). The first line's flags: src/cluster/launcher-flags.ts.
require('../dist/src/main.js').main(process.argv.slice(2));
