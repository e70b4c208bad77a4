#!/usr/bin/env node
// Builds the native addon (build/Release/tfjs_dgp.node) at install time.
//
//   node scripts/install.js             user install: a failed build is a warning, and the
//                                       package runs on its TypeScript backend
//   node scripts/install.js --required  (or DGP_REQUIRE_NATIVE=1) CI / developers: failure is fatal
//
// First cmake-js (CMakeLists.txt, CUDA when nvcc is found; DGP_CUDA=AUTO|ON|OFF), then, if that
// fails, node-gyp (binding.gyp, CPU only). DGP_SKIP_NATIVE=1 skips the build entirely. A user
// install finding a prebuilt binary (prebuilds/<platform>-<arch>/tfjs_dgp.node, written by
// `npm run pack:prebuild`) uses it and builds nothing, unless DGP_BUILD_FROM_SOURCE=1.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const required = process.argv.includes('--required') || process.env.DGP_REQUIRE_NATIVE === '1';
const log = (msg) => console.error(`tfjs-dgp: ${msg}`);

function run(cmd, args) {
  log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.error) return `${cmd}: ${r.error.message}`;
  return r.status === 0 ? null : `${path.basename(args[0] || cmd)} exited with status ${r.status}`;
}

function withCmakeJs() {
  let bin;
  try {
    bin = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  } catch {
    return 'cmake-js is not installed';
  }
  const cuda = (process.env.DGP_CUDA || 'AUTO').toUpperCase();
  if (!['AUTO', 'ON', 'OFF'].includes(cuda)) return `DGP_CUDA must be AUTO, ON or OFF, got '${process.env.DGP_CUDA}'`;
  const defines = [`--CDDGP_CUDA=${cuda}`];
  if (process.env.DGP_BUILD_TESTS === '1') defines.push('--CDDGP_BUILD_TESTS=ON');
  // configure every time so changed options (DGP_CUDA, tests) reach an existing build folder
  return run(process.execPath, [bin, 'configure', '--directory', root, ...defines]) ||
    run(process.execPath, [bin, 'build', '--directory', root, ...defines]);
}

function withNodeGyp() {
  const gyp = process.env.npm_config_node_gyp;
  if (gyp && fs.existsSync(gyp)) return run(process.execPath, [gyp, 'rebuild']);
  return run('node-gyp', ['rebuild']);
}

function main() {
  if (process.env.DGP_SKIP_NATIVE === '1' && !required) {
    log('DGP_SKIP_NATIVE=1: not building the native addon; the TypeScript backend will be used.');
    return 0;
  }
  const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'tfjs_dgp.node');
  if (!required && process.env.DGP_BUILD_FROM_SOURCE !== '1' && fs.existsSync(prebuilt)) {
    log(`using the prebuilt addon ${path.relative(root, prebuilt)} (DGP_BUILD_FROM_SOURCE=1 builds instead)`);
    return 0;
  }
  const errors = [];
  const cmakeError = withCmakeJs();
  if (!cmakeError) return 0;
  errors.push(`cmake-js: ${cmakeError}`);
  if (process.env.DGP_CUDA !== 'ON') {
    log('cmake-js build failed; trying node-gyp (CPU only)');
    const gypError = withNodeGyp();
    if (!gypError) return 0;
    errors.push(`node-gyp: ${gypError}`);
  }
  if (required) {
    log(`native build FAILED (${errors.join('; ')})`);
    return 1;
  }
  log(
    `could not build the native addon (${errors.join('; ')}).\n` +
      '  The package still works: it uses its TypeScript backend (same results, slower).\n' +
      '  To get the native backend: install cmake (>= 3.18) and a C++17 compiler, then run\n' +
      '  `npm run build:native` in node_modules/tfjs-dgp. backendInfo() reports what loaded.',
  );
  return 0;
}

process.exit(main());
