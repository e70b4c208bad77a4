#!/usr/bin/env node
// Builds the native addon from source into build/Release/tfjs_dgp.node (the loader prefers it
// to the prebuilt binary in prebuilds/).
//
//   npm run build:native                 node scripts/build-native.js --required: failure is fatal
//   npm install / npm ci in a clone      the `prepare` script runs this with --prepare: a failed
//                                        build is a warning (the package falls back to another
//                                        backend) unless DGP_REQUIRE_NATIVE=1 (CI)
//
// The published package has no install script: users get the prebuilt binary and compile
// nothing. `prepare` does not run when a package is installed from the registry or a tarball.
// First cmake-js (CMakeLists.txt, CUDA when nvcc is found; DGP_CUDA=AUTO|ON|OFF, and
// DGP_CUDA_ARCHITECTURES for another GPU list than sm_75/80/86/89/90), then, if that
// fails and binding.gyp is present (a git clone), node-gyp (CPU only). DGP_SKIP_NATIVE=1 skips.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const prepare = process.argv.includes('--prepare');
const required = process.argv.includes('--required') || process.env.DGP_REQUIRE_NATIVE === '1';
const log = (msg) => console.error(`tfjs-dgp: ${msg}`);

function run(cmd, args) {
  log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.error) return `${cmd}: ${r.error.message}`;
  return r.status === 0 ? null : `${path.basename(args[0] || cmd)} exited with status ${r.status}`;
}

/** Resolves a build tool from this package or any node_modules above it (a user's project). */
function resolveTool(request) {
  try {
    return require.resolve(request, { paths: [root] });
  } catch {
    return null;
  }
}

function withCmakeJs() {
  const bin = resolveTool('cmake-js/bin/cmake-js');
  if (!bin) return 'cmake-js is not installed';
  if (!resolveTool('node-addon-api')) return 'node-addon-api is not installed';
  const cuda = (process.env.DGP_CUDA || 'AUTO').toUpperCase();
  if (!['AUTO', 'ON', 'OFF'].includes(cuda)) return `DGP_CUDA must be AUTO, ON or OFF, got '${process.env.DGP_CUDA}'`;
  const defines = [`--CDDGP_CUDA=${cuda}`];
  if (process.env.DGP_BUILD_TESTS === '1') defines.push('--CDDGP_BUILD_TESTS=ON');
  // e.g. DGP_CUDA_ARCHITECTURES="90" (only this GPU: a faster build) or "75;80;86;89;90;100"
  const archs = process.env.DGP_CUDA_ARCHITECTURES;
  if (archs) {
    if (!/^[0-9a-z;-]+$/i.test(archs)) return `DGP_CUDA_ARCHITECTURES must look like "80;90", got '${archs}'`;
    defines.push(`--CDCMAKE_CUDA_ARCHITECTURES=${archs}`);
  }
  // configure every time so changed options (DGP_CUDA, tests) reach an existing build folder
  return run(process.execPath, [bin, 'configure', '--directory', root, ...defines]) ||
    run(process.execPath, [bin, 'build', '--directory', root, ...defines]);
}

function withNodeGyp() {
  if (!fs.existsSync(path.join(root, 'binding.gyp'))) return 'no binding.gyp (it is in the git repository, not the package)';
  const gyp = process.env.npm_config_node_gyp;
  if (gyp && fs.existsSync(gyp)) return run(process.execPath, [gyp, 'rebuild']);
  return run('node-gyp', ['rebuild']);
}

function main() {
  // `npm pack` / `npm publish` run prepare after prepack, which already built the prebuilds.
  if (prepare && ['pack', 'publish'].includes(process.env.npm_command)) return 0;
  if (process.env.DGP_SKIP_NATIVE === '1' && !required) {
    log('DGP_SKIP_NATIVE=1: not building the native addon from source.');
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
  const how =
    '  Needs cmake (>= 3.18), a C++17 compiler, and the npm packages cmake-js and node-addon-api\n' +
    '  (dev dependencies of a clone; in a project using the package: `npm install --save-dev\n' +
    '  cmake-js@8 node-addon-api@8`, then `npm run build:native --prefix node_modules/tfjs-dgp`).';
  if (required) {
    log(`native build FAILED (${errors.join('; ')})\n${how}`);
    return 1;
  }
  log(
    `could not build the native addon (${errors.join('; ')}).\n` +
      '  The package still works: the loader uses the prebuilt binary for this platform if there is\n' +
      '  one, else the wasm or TypeScript backend (same results, slower). backendInfo() says which.\n' +
      how,
  );
  return 0;
}

process.exit(main());
