#!/usr/bin/env node
// CUDA equivalence through the whole JS stack (selectLayers -> N-API -> CUDA): every output of
// the 'cuda' backend must equal the 'native' and 'ts' backends bit for bit. Plain JavaScript over
// dist/, so it also runs on a GPU machine that has node but no dev dependencies.
// Exit 0 with "skipped: no CUDA device: <reason>" where there is none; exit 1 on any mismatch.
'use strict';
const path = require('path');
const dgp = require(path.join(__dirname, '..', '..', 'dist'));

const info = dgp.backendInfo();
if (!info.available.cuda) {
  const why = info.unavailable.cuda;
  console.log(`skipped: ${why.startsWith('no CUDA device') ? why : `no CUDA device: ${why}`}`);
  process.exit(0);
}
console.log(`CUDA device: ${info.cuda.device}`);

// mulberry32, as shared-dev/seeded.ts seededUniform (copied: this script needs no build step).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function input(kind, n, seed) {
  const r = rng(seed);
  const g = new Float32Array(n);
  const u = new Uint32Array(g.buffer);
  for (let i = 0; i < n; i++) {
    if (kind === 'lognormal') {
      const z = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
      g[i] = (r() < 0.5 ? -1 : 1) * Math.exp(2 * z - 6);
    } else if (kind === 'ties') g[i] = r() < 0.5 ? (r() < 0.5 ? -1e-3 : 1e-3) : (r() * 2 - 1) * 1e-2;
    else if (kind === 'equal') g[i] = i % 2 ? 0.5 : -0.5;
    else if (kind === 'zeros') g[i] = r() < 0.4 ? (r() < 0.5 ? -0 : 0) : r() * 2 - 1;
    else if (kind === 'subnormal') u[i] = (Math.floor(r() * 0x00800000) | (r() < 0.5 ? 0x80000000 : 0)) >>> 0;
    else g[i] = r() * 2 - 1;
  }
  return g;
}

function sameBits(a, b) {
  if (!a && !b) return true;
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.byteLength >> 2 || 0);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2 || 0);
  if (a instanceof Uint8Array) return a.every((v, i) => v === b[i]);
  return x.every((v, i) => v === y[i]);
}

let failures = 0;
let checks = 0;
function compare(label, layers) {
  const want = { codes: true, pruned: true, sparse: true };
  const results = ['ts', 'native', 'cuda'].map((b) => dgp.selectLayers(layers, want, 'cuda_check', b));
  layers.forEach((_, l) => {
    for (const key of ['codes', 'pruned', 'keptIndices', 'keptValues']) {
      checks++;
      const ok = sameBits(results[2][l][key], results[1][l][key]) && sameBits(results[2][l][key], results[0][l][key]);
      if (!ok) {
        failures++;
        console.log(`MISMATCH ${label} layer ${l} ${key}`);
      }
    }
  });
}

const kinds = ['uniform', 'lognormal', 'ties', 'equal', 'zeros', 'subnormal'];
for (const kind of kinds) {
  for (const n of [0, 1, 2, 33, 1000, 65537, 300001, 2_000_000]) {
    const g = input(kind, n, n + kind.length);
    const counts = [[0, 0], [n, 0], [0, n], [Math.floor(n / 100), Math.floor(n * 0.8)], [Math.floor(n / 2), n - Math.floor(n / 2)]];
    for (const [kTop, kBottom] of counts) compare(`${kind} n=${n} k=${kTop}/${kBottom}`, [{ values: g, kTop, kBottom }]);
  }
}
// Many small layers and a few large ones in one call, with byte-offset views.
const layers = [];
for (let l = 0; l < 400; l++) {
  const n = (l * 7919) % 5000;
  const base = input(kinds[l % kinds.length], n + 3, l);
  const v = base.subarray(3);
  layers.push({ values: v, kTop: Math.floor(n * 0.02), kBottom: Math.floor(n * 0.7) });
}
layers.push({ values: input('lognormal', 10_000_000, 9), kTop: 100_000, kBottom: 8_000_000 });
compare('mixed batch of 401 layers', layers);

// NaN reporting: the same message on every backend.
const bad = input('uniform', 100_000, 1);
bad[54321] = NaN;
const msgs = ['native', 'cuda'].map((b) => {
  try {
    dgp.selectLayers([{ values: input('uniform', 10, 2), kTop: 1, kBottom: 1 }, { name: 'fc', values: bad, kTop: 5, kBottom: 5 }], { codes: true }, 'x', b);
    return 'no error';
  } catch (e) {
    return e.message;
  }
});
checks++;
if (msgs[0] !== msgs[1] || !msgs[1].includes("layer 'fc' holds NaN at index 54321")) {
  failures++;
  console.log('NaN report differs:', msgs);
}

// End-to-end time through the JS API, ResNet-18-sized model (11.7M values in 62 tensors is
// approximated by the same total in layers of its sizes' order of magnitude).
const model = [];
for (const n of [9408, 36864, 36864, 36864, 36864, 73728, 147456, 8192, 147456, 147456, 294912, 589824, 32768, 589824, 589824, 1179648, 2359296, 131072, 2359296, 2359296, 512000]) {
  model.push({ values: input('lognormal', n, n), kTop: Math.floor(n * 0.01), kBottom: Math.floor(n * 0.8) });
}
for (const b of ['native', 'cuda']) {
  dgp.selectLayers(model, { codes: true }, 'warm', b);
  const t = [];
  for (let r = 0; r < 9; r++) {
    const s = process.hrtime.bigint();
    dgp.selectLayers(model, { codes: true }, 'time', b);
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  t.sort((x, y) => x - y);
  const total = model.reduce((a, l) => a + l.values.length, 0);
  console.log(`JS API, ${model.length} layers / ${total} values, codes: ${b} median ${t[4].toFixed(2)} ms (${((t[4] * 1e6) / total).toFixed(3)} ns/elem)`);
}

console.log(`${checks} checks, ${failures} mismatches`);
process.exit(failures ? 1 : 0);
