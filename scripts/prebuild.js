#!/usr/bin/env node
// Builds the prebuilt addons that ship inside the package (the `prepack` step of `npm pack`):
//
//   prebuilds/linux-x64/tfjs_dgp.node    baseline x86-64 (AVX2 / AVX-512 kernels chosen at run
//                                        time), CUDA kernels with the static CUDA runtime
//   prebuilds/linux-arm64/tfjs_dgp.node  cross-compiled with g++-aarch64-linux-gnu
//
//   node scripts/prebuild.js                     both (DGP_PREBUILDS=linux-x64 picks a subset)
//
// Needs an x86-64 Linux host with cmake, nvcc (CUDA toolkit) and Debian's g++-aarch64-linux-gnu.
// Each binary is built in its own folder (build-prebuild-<platform>/), stripped, then checked by
// scripts/check-prebuilds.js (instruction sets, glibc symbol versions, that it loads).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const { floorStubs } = require('./symbol-floor');

const root = path.join(__dirname, '..');
// Official Node 18+ Linux binaries need glibc 2.28: a prebuild needing no more loads wherever they run.
const FLOORS = { GLIBC: '2.28', GLIBCXX: '3.4.25' };
const log = (msg) => console.error(`tfjs-dgp prebuild: ${msg}`);

const TARGETS = {
  'linux-x64': {
    host: 'linux-x64',
    tools: { nvcc: 'the CUDA toolkit (nvcc)', strip: 'binutils' },
    defines: ['DGP_CUDA=ON'],
    compiler: 'g++',
    strip: 'strip',
  },
  'linux-arm64': {
    host: 'linux-x64',
    tools: { 'aarch64-linux-gnu-g++': 'the Debian package g++-aarch64-linux-gnu', 'aarch64-linux-gnu-strip': 'binutils-aarch64-linux-gnu' },
    defines: ['DGP_CUDA=OFF', `CMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'aarch64-linux-gnu.cmake')}`],
    arch: 'arm64',
    compiler: 'aarch64-linux-gnu-g++',
    strip: 'aarch64-linux-gnu-strip',
  },
};

function fail(msg) {
  log(`FAILED: ${msg}`);
  process.exit(1);
}

function run(cmd, args) {
  log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args[0] || ''} exited with status ${r.status}`);
}

function onPath(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
}

function build(platform) {
  const t = TARGETS[platform];
  if (!t) fail(`unknown platform '${platform}' (known: ${Object.keys(TARGETS).join(', ')})`);
  const host = `${process.platform}-${process.arch}`;
  if (host !== t.host) fail(`${platform} is built on ${t.host}, this is ${host}`);
  for (const [tool, what] of Object.entries(t.tools)) if (!onPath(tool)) fail(`${platform} needs ${tool}: install ${what}`);

  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  const out = path.join(root, `build-prebuild-${platform}`);
  const cmakeBuild = (linkerFlags) => {
    const args = ['--directory', root, '--out', out, ...t.defines.map((d) => `--CD${d}`)];
    // never empty: cmake-js drops an empty --CD value, which would keep the cached stubs
    args.push(`--CDCMAKE_SHARED_LINKER_FLAGS=${['-Wl,--no-as-needed', ...linkerFlags].join(' ')}`);
    if (t.arch) args.push('--arch', t.arch);
    // configure each time: `cmake-js build` alone keeps an existing folder's cached options
    run(process.execPath, [cmakeJs, 'configure', ...args]);
    run(process.execPath, [cmakeJs, 'build', ...args]);
  };
  const built = path.join(out, 'Release', 'tfjs_dgp.node');
  // Link once as usual, then again against stubs that pin symbol versions to the floor (only
  // the link step reruns).
  cmakeBuild([]);
  if (!fs.existsSync(built)) fail(`${built} was not produced`);
  let floor;
  try {
    floor = floorStubs({ file: built, compiler: t.compiler, outDir: path.join(out, 'symbol-floor'), floors: FLOORS });
  } catch (e) {
    fail(`${platform}: ${e.message}`);
  }
  if (floor.flags.length) {
    log(`${platform}: pinning ${floor.rebound.length} symbol versions to glibc ${FLOORS.GLIBC} / GLIBCXX ${FLOORS.GLIBCXX}: ${floor.rebound.join(', ')}`);
    cmakeBuild(floor.flags);
  }
  const dir = path.join(root, 'prebuilds', platform);
  fs.mkdirSync(dir, { recursive: true });
  const dest = path.join(dir, 'tfjs_dgp.node');
  fs.copyFileSync(built, dest);
  run(t.strip, ['--strip-unneeded', dest]);
  log(`wrote ${path.relative(root, dest)} (${fs.statSync(dest).size} bytes)`);
}

const wanted = (process.env.DGP_PREBUILDS || Object.keys(TARGETS).join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
// Start from an empty prebuilds/ so a stale binary never reaches the tarball.
fs.rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });
for (const platform of wanted) build(platform);
run(process.execPath, [path.join(__dirname, 'check-prebuilds.js'), ...wanted]);
