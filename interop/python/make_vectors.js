#!/usr/bin/env node
/**
 * Writes the messages the Python decoder is tested against (test_tfjs_dgp_wire.py), made by the
 * package itself (the built dist/): valid messages of all four kinds with what the TypeScript
 * decoders read from them, and hostile ones (the generators of test/fl/fuzz.test.ts: random
 * bytes, random bodies behind a valid header and CRC, every truncation, every bit flip, byte
 * overwrites, crafted extremes) with each TypeScript decoder's verdict.
 *
 *   node interop/python/make_vectors.js OUT_DIR     (after npm run build:ts)
 */
const fs = require('fs');
const path = require('path');

const dgp = require('../../dist');

const out = process.argv[2];
if (!out) throw new Error('usage: make_vectors.js OUT_DIR');
fs.mkdirSync(out, { recursive: true });

// mulberry32, as shared-dev/seeded.ts seededUniform(12345) (copied: this script runs over dist/
// alone); the vectors depend on this exact sequence.
let seed = 12345;
const rand = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[b] = c >>> 0;
  }
  return t;
})();
function crc32(b, end) {
  let c = 0xffffffff;
  for (let i = 0; i < end; i++) c = (c >>> 8) ^ CRC[(c ^ b[i]) & 0xff];
  return (c ^ 0xffffffff) >>> 0;
}
function reseal(bytes) {
  const b = Uint8Array.from(bytes);
  if (b.length < 24) return b;
  const v = new DataView(b.buffer);
  v.setUint32(8, b.length, true);
  v.setUint32(b.length - 4, crc32(b, b.length - 4), true);
  return b;
}

const bits = (f) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));
const f64hex = (f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('hex');
/** What a TypeScript decoder read, in a form Python compares exactly (float bits, not decimals). */
function plain(kind, m) {
  if (kind === 1 || kind === 2)
    return { round: m.round, layers: m.layers.map((l) => ({ name: l.name, shape: l.shape, indices: Array.from(l.indices), ...(kind === 1 ? { values: bits(l.values) } : {}) })) };
  if (kind === 3) return { round: m.round, positions_id: m.positionsId, layers: m.layers.map((l) => ({ name: l.name, values: bits(l.values) })) };
  return { round: m.round, of: m.of === 'update' ? 1 : 3, positions_id: m.positionsId, clients: m.clients, total_weight: f64hex(Float64Array.of(m.totalWeight)), layers: m.layers.map((l) => ({ name: l.name, shape: l.shape, sums: f64hex(l.sums) })) };
}
const DECODE = { 1: dgp.decodeUpdate, 2: dgp.decodePositions, 3: dgp.decodeAligned, 4: dgp.decodePartial };
function verdicts(bytes) {
  return [1, 2, 3, 4].map((k) => {
    try {
      return { ok: true, decoded: plain(k, DECODE[k](bytes)) };
    } catch (e) {
      if (!(e instanceof dgp.DgpFormatError)) throw e;
      return { ok: false };
    }
  });
}

// ---- valid messages of every kind
function subset(n, density) {
  const idx = [];
  for (let i = 0; i < n; i++) if (rand() < density) idx.push(i);
  return Uint32Array.from(idx);
}
function randomUpdate(round) {
  const shapes = [['conv/kernel', [3, 3, 4, 8]], ['dense', [50, 40]], ['bias', [40]], ['scalar', []], ['empty', [0, 3]], ['ünïcode/层', [7]]];
  return {
    round,
    layers: shapes.map(([name, shape], i) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const indices = subset(n, [0.4, 0.02, 0.9, 1, 0, 0.3][i]);
      return { name, shape, indices, values: Float32Array.from(indices, () => (rand() - 0.5) * Math.exp(20 * rand() - 10)) };
    }),
  };
}
const valid = [];
for (let c = 0; c < 6; c++) valid.push(dgp.encodeUpdate(randomUpdate(c)));
const pos = dgp.decodePositions(dgp.encodePositions({ round: 2, layers: randomUpdate(2).layers.map(({ name, shape, indices }) => ({ name, shape, indices })) }));
valid.push(dgp.encodePositions(pos));
const uploads = [0, 1, 2].map(() => dgp.encodeAligned({ round: 2, positionsId: pos.id, layers: pos.layers.map((l) => ({ name: l.name, values: Float32Array.from(l.indices, () => rand() - 0.5) })) }));
valid.push(...uploads);
const agg = new dgp.Aggregator({ reduce: 'mean', maxElements: 1e6 });
valid.slice(0, 1).forEach((m) => agg.add(m, 3));
valid.push(agg.encodePartial());
const aligned = new dgp.Aggregator({ maxElements: 1e6, layout: pos });
uploads.forEach((u, i) => aligned.add(u, i + 1));
valid.push(aligned.encodePartial());
fs.writeFileSync(path.join(out, 'valid.json'), JSON.stringify(valid.map((m) => ({ hex: Buffer.from(m).toString('hex'), kind: m[5], decoded: plain(m[5], DECODE[m[5]](m)) }))));

// ---- hostile messages
const hostile = [];
const push = (bytes) => hostile.push({ hex: Buffer.from(bytes).toString('hex'), verdicts: verdicts(bytes) });
const small = [dgp.encodeUpdate({ round: 5, layers: [
  { name: 'conv/kernel', shape: [3, 3, 2, 4], indices: subset(72, 0.3), values: null },
  { name: 'dense', shape: [300], indices: subset(300, 0.05), values: null },
  { name: 'bias', shape: [4], indices: Uint32Array.of(0, 3), values: null },
].map((l) => ({ ...l, values: Float32Array.from(l.indices, (i) => (i % 5) - 2) })) })];
small.push(dgp.encodePositions({ round: 5, layers: dgp.decodeUpdate(small[0]).layers.map(({ name, shape, indices }) => ({ name, shape, indices })) }));
small.push(dgp.encodeAligned({ round: 5, positionsId: 7, layers: [{ name: 'a', values: Float32Array.of(1, -2, 0.5) }] }));
small.push(fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'wire', 'partial-small.bin')));
const randomBytes = (n) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
for (let i = 0; i < 300; i++) push(randomBytes(Math.floor(rand() * 300)));
for (let i = 0; i < 600; i++) {
  const kind = 1 + Math.floor(rand() * 4);
  const extra = kind === 3 ? 4 : kind === 4 ? 20 : 0;
  const body = randomBytes(Math.floor(rand() * 200));
  const b = new Uint8Array(20 + extra + body.length + 4);
  b.set([0x44, 0x47, 0x50, 0x57, 1, kind, 0, 0]);
  new DataView(b.buffer).setUint32(16, Math.floor(rand() * 7), true);
  if (kind === 4) b[20] = rand() < 0.5 ? 1 : 3;
  b.set(body, 20 + extra);
  push(reseal(b));
}
for (const m of small) {
  for (let len = 0; len < m.length; len++) {
    push(m.subarray(0, len));
    if (len >= 24) push(reseal(Uint8Array.from([...m.subarray(0, len), 0, 0, 0, 0])));
  }
  for (let bit = 0; bit < m.length * 8; bit += m.length > 200 ? 5 : 1) {
    const b = Uint8Array.from(m);
    b[bit >> 3] ^= 1 << (bit & 7);
    push(b);
    push(reseal(b));
  }
  for (let i = 0; i < 100; i++) {
    const b = Uint8Array.from(m);
    b[24 + Math.floor(rand() * (m.length - 28))] = [0, 0x7f, 0x80, 0xff, 0x0f, 0x10][Math.floor(rand() * 6)];
    push(reseal(b));
  }
}
// Crafted extremes: sizes that would be huge allocations if trusted.
const craft = (kind, body, layerCount = 1) => {
  const extra = kind === 3 ? 4 : kind === 4 ? 20 : 0;
  const b = new Uint8Array(20 + extra + body.length + 4);
  b.set([0x44, 0x47, 0x50, 0x57, 1, kind, 0, 0]);
  new DataView(b.buffer).setUint32(16, layerCount, true);
  if (kind === 4) b[20] = 1;
  b.set(body, 20 + extra);
  return reseal(b);
};
const name = [1, 0x61];
[
  craft(1, [...name, 0, 0, 0], 0xffffffff),
  craft(1, [0xff, 0xff, 0xff, 0xff, 0x0f, 0]),
  craft(1, [...name, 1, 8, 1, 0xff, 0xff, 0xff, 0xff, 0x0f]),
  craft(1, [...name, 2, 0xff, 0xff, 0x03, 0xff, 0xff, 0x03, 1, 0xff, 0xff, 0x03, 1]),
  craft(2, [...name, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 1, 1]),
  craft(2, [...name, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]),
  craft(3, [...name, 0xff, 0xff, 0xff, 0xff, 0x0f]),
  craft(4, [...name, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]),
  craft(4, [...name, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]),
].forEach(push);
fs.writeFileSync(path.join(out, 'hostile.json'), JSON.stringify(hostile));
console.log(`make_vectors: ${valid.length} valid and ${hostile.length} hostile messages in ${out}`);
