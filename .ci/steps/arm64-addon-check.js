// Run by 30-native-arm64-qemu.sh in an arm64 Node under qemu, with DGP_NATIVE_PATH naming the
// cross-built linux-arm64 addon:  node .ci/steps/arm64-addon-check.js
// The addon's NEON loops (native/core/select_neon.h) must give the TypeScript backend's bits on
// every output (codes, pruned, sparse kept set): every size 0..67 and the size-class boundaries,
// values at float offsets 1..3 from a 16-byte boundary, tie-heavy data with -0, +0 and
// subnormals, count pairs at the edges, 1 and 2 threads (a split at an odd element).
'use strict';
const assert = require('assert');
const path = require('path');

const dgp = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));
const info = dgp.backendInfo();
assert.strictEqual(process.arch, 'arm64');
assert.strictEqual(info.addon.kind, 'custom', `the addon did not load from DGP_NATIVE_PATH: ${info.unavailable.native}`);
assert.strictEqual(info.native.simd, 'neon', `the addon runs '${info.native.simd}' loops, not NEON`);

// Deterministic inputs (xorshift32), so a failure names a reproducible layer.
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}
const POOL = [0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x3f800000, 0xbf800000,
  0x3f800001, 0x7f7fffff, 0xff7fffff];
const DISTS = {
  // few distinct keys: ties at both thresholds, both zeros, subnormals, the largest finite
  ties: (r) => POOL[r() % POOL.length],
  // any finite float
  full: (r) => { let u; do u = r(); while ((u & 0x7f800000) === 0x7f800000); return u; },
  // spread exponents, mostly distinct
  spread: (r) => ((r() % 40 + 100) << 23) | (r() & 0x807fffff),
};

function layer(n, dist, seed, offset) {
  const r = rng(seed);
  const buf = new Uint32Array(n + offset);
  for (let i = 0; i < n; i++) buf[offset + i] = DISTS[dist](r) >>> 0;
  return new Float32Array(buf.buffer, 4 * offset, n);
}

function counts(n, seed) {
  const r = rng(seed), a = n ? r() % (n + 1) : 0, b = r() % (n - a + 1);
  return [[0, 0], [n, 0], [0, n], [Math.floor(n / 10), Math.floor(n * 8 / 10)], [n > 0 ? 1 : 0, n > 0 ? n - 1 : 0], [a, b]];
}

const same = (a, b) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const want = { codes: true, pruned: true, sparse: true };

// The layers of one call on both backends, output by output.
function check(layers, label) {
  const ts = dgp.selectLayers(layers, want, 'arm64-check', 'ts');
  for (const threads of [1, 2]) {
    dgp.setThreads(threads);
    const native = dgp.selectLayers(layers, want, 'arm64-check', 'native');
    layers.forEach((L, l) => {
      for (const out of ['codes', 'pruned', 'keptIndices', 'keptValues'])
        assert.ok(same(native[l][out], ts[l][out]),
          `${label}: layer ${l} (n=${L.values.length} kTop=${L.kTop} kBottom=${L.kBottom}) ${out} differ, ${threads} thread(s)`);
    });
  }
}

const started = Date.now();
let layersChecked = 0;
for (const dist of Object.keys(DISTS)) {
  // every short size, each at a float offset and with edge and random count pairs, in one call
  const layers = [];
  for (let n = 0; n <= 67; n++) {
    const values = layer(n, dist, 1000 * n + dist.length, 1 + (n % 3));
    for (const [kTop, kBottom] of counts(n, n + 7)) layers.push({ values, kTop, kBottom });
  }
  check(layers, `${dist} short sizes`);
  layersChecked += layers.length;
  // the size classes' edges: small path, one-thread radix path, split across threads (odd size)
  for (const n of [4099, 32767, 32769, 262147]) {
    const values = layer(n, dist, n, 1 + (n % 3));
    const big = [[Math.floor(n / 100), Math.floor(n * 8 / 10)], [Math.floor(n / 3), Math.floor(n / 3)]];
    check(big.map(([kTop, kBottom]) => ({ values, kTop, kBottom })), `${dist} n=${n}`);
    layersChecked += big.length;
  }
}
console.log(`ok: ${layersChecked} layers, NEON addon equals the TypeScript backend on every output ` +
  `(1 and 2 threads) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
