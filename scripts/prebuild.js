#!/usr/bin/env node
// Copies the built addon to prebuilds/<platform>-<arch>/tfjs_dgp.node, where the loader finds it
// when a user's npm blocks install scripts (npm 11's default) and nothing is compiled.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const from = path.join(root, 'build', 'Release', 'tfjs_dgp.node');
if (!fs.existsSync(from)) {
  console.error(`tfjs-dgp: ${from} does not exist; run \`npm run build:native\` first`);
  process.exit(1);
}
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
fs.copyFileSync(from, path.join(dir, 'tfjs_dgp.node'));
console.log(`tfjs-dgp: wrote ${path.relative(root, path.join(dir, 'tfjs_dgp.node'))}`);
