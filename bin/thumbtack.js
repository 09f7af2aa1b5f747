#!/usr/bin/env node
'use strict';
// Runs the compiled proxy (`npm run build` produces dist/).
require('../dist/src/main.js').main(process.argv.slice(2));
