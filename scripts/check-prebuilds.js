#!/usr/bin/env node
// Checks the prebuilt addons before they are packed (run by scripts/prebuild.js and CI):
//   - the ELF machine is the platform's (x86-64 / aarch64);
//   - glibc / libstdc++ symbol versions stay at or below the floor of Node 18+'s own Linux
//     binaries (glibc 2.28: RHEL 8, Debian 10, Ubuntu 20.04 and newer), so the binary loads
//     wherever official Node runs;
//   - linux-x64: AVX, AVX2 and AVX-512 instructions (VEX/EVEX encodings, ymm/zmm/mask
//     registers) appear only in the kernels picked at run time (functions named *avx2* or
//     *avx512*, target_clones variants), so the rest runs on any x86-64 CPU; checked on the
//     unstripped build output;
//   - a binary for this host loads in Node and reports its SIMD level and CUDA build.
//
//   node scripts/check-prebuilds.js [platform...]     default: linux-x64 linux-arm64
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const GLIBC_FLOOR = '2.28';
const GLIBCXX_FLOOR = '3.4.25';
const MACHINES = { 'linux-x64': 62, 'linux-arm64': 183 }; // EM_X86_64, EM_AARCH64

const problems = [];
const say = (msg) => console.log(`tfjs-dgp check-prebuilds: ${msg}`);

function tool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error ? r.error.message : r.stderr}`);
  return r.stdout;
}

function versionAbove(v, floor) {
  const a = v.split('.').map(Number);
  const b = floor.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
  }
  return false;
}

/** Symbols whose required version is above the floor, e.g. ['pthread_create@GLIBC_2.34']. */
function symbolVersionsAboveFloor(file) {
  const out = tool('readelf', ['--dyn-syms', '--wide', file]);
  const bad = [];
  const versions = new Set();
  for (const m of out.matchAll(/ UND (\S+)@(GLIBC(?:XX)?)_([0-9.]+)/g)) {
    const [, sym, lib, ver] = m;
    versions.add(`${lib}_${ver}`);
    if (versionAbove(ver, lib === 'GLIBC' ? GLIBC_FLOOR : GLIBCXX_FLOOR)) bad.push(`${sym}@${lib}_${ver}`);
  }
  return { bad, versions: [...versions].sort() };
}

/**
 * Functions chosen at run time: named for their instruction set (called after a CPU check), or
 * GCC target_clones variants (picked by an ifunc resolver), e.g. `f [clone .arch_x86_64_v4]`.
 */
const DISPATCHED = /avx2|avx512|\[clone \.(arch_x86_64_v[34]|avx)/i;

/** Functions outside the run-time-dispatched kernels that use AVX-family instructions. */
function avxOutsideDispatch(file) {
  const out = tool('objdump', ['-d', '-C', '--no-show-raw-insn', file]);
  const offenders = new Map();
  let fn = '?';
  for (const line of out.split('\n')) {
    const head = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (head) {
      fn = head[1];
      continue;
    }
    const insn = /^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$/.exec(line);
    if (!insn) continue;
    const [, mnemonic, operands] = insn;
    const avx = (/^[vk]/.test(mnemonic) && !/^ver[rw]$/.test(mnemonic)) || /%[yz]mm|%k[0-7]/.test(operands);
    if (avx && !DISPATCHED.test(fn)) offenders.set(fn, (offenders.get(fn) || 0) + 1);
  }
  return [...offenders].map(([f, n]) => `${f} (${n})`);
}

function elfMachine(file) {
  const b = fs.readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46) return -1;
  return b.readUInt16LE(18);
}

function loadsHere(file, platform) {
  const code = `const b=require(${JSON.stringify(file)}); console.log(JSON.stringify(b.info()))`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  if (r.status !== 0) return problems.push(`${platform}: does not load in Node ${process.version}: ${r.stderr.trim().split('\n')[0]}`);
  const info = JSON.parse(r.stdout);
  say(`${platform}: loads in Node ${process.version}: simd ${info.simd}, CUDA compiled ${info.cudaCompiled} (${info.cudaReason || 'ok'})`);
  if (platform === 'linux-x64' && !info.cudaCompiled) problems.push('linux-x64: built without the CUDA kernels');
}

function check(platform) {
  const file = path.join(root, 'prebuilds', platform, 'tfjs_dgp.node');
  if (!fs.existsSync(file)) return problems.push(`${platform}: ${file} is missing`);
  if (elfMachine(file) !== MACHINES[platform]) return problems.push(`${platform}: ${file} is not an ELF for this platform (machine ${elfMachine(file)})`);
  const { bad, versions } = symbolVersionsAboveFloor(file);
  say(`${platform}: ${fs.statSync(file).size} bytes; symbol versions ${versions.join(' ')}`);
  if (bad.length) problems.push(`${platform}: needs symbol versions above glibc ${GLIBC_FLOOR} / GLIBCXX ${GLIBCXX_FLOOR}: ${bad.join(', ')}`);
  if (platform === 'linux-x64') {
    const unstripped = path.join(root, `build-prebuild-${platform}`, 'Release', 'tfjs_dgp.node');
    if (!fs.existsSync(unstripped)) problems.push(`${platform}: ${unstripped} (needed for the instruction check) is missing`);
    else {
      const avx = avxOutsideDispatch(unstripped);
      if (avx.length) problems.push(`${platform}: AVX instructions outside the dispatched kernels: ${avx.join(', ')}`);
      else say(`${platform}: no AVX instructions outside the *avx2* / *avx512* kernels`);
    }
  }
  if (platform === `${process.platform}-${process.arch}`) loadsHere(file, platform);
}

const platforms = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(MACHINES);
for (const p of platforms) {
  if (!MACHINES[p]) problems.push(`unknown platform '${p}'`);
  else check(p);
}
if (problems.length) {
  for (const p of problems) console.error(`tfjs-dgp check-prebuilds: FAILED: ${p}`);
  process.exit(1);
}
say('all checks passed');
