// Risky misuse cases, run in a child process (risky.test.ts) so that a crash in native code fails
// the test instead of killing jest. Usage: node risky_child.js <backend>. Prints one JSON line:
// [{case, outcome, inputsUnchanged}] where outcome is 'ok <digest>' or '<ErrorName>: <message>'.
'use strict';
const path = require('path');
const d = require(path.join(__dirname, '..', '..', 'dist'));

const backend = process.argv[2];
d.setBackend(backend);

const ramp = (n, buffer) => {
  const a = buffer ? new Float32Array(buffer, 0, n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 37) % n) - n / 2 + 0.25;
  return a;
};
const bytesOf = (v) => {
  try {
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  } catch {
    return 'detached';
  }
};
const detach = (buf) => structuredClone(buf, { transfer: [buf] });
const digest = (r) => {
  if (ArrayBuffer.isView(r)) return `${r.constructor.name}:${bytesOf(r)}`;
  if (Array.isArray(r)) return `[${r.map(digest).join(',')}]`;
  if (r && typeof r === 'object') return `{${Object.keys(r).map((k) => `${k}:${digest(r[k])}`).join(',')}}`;
  return String(r);
};
const update = () => ({ round: 1, layers: [{ name: 'w', shape: [8], indices: Uint32Array.of(1, 5), values: Float32Array.of(2, -3) }] });

// Each case returns {run, inputs}: the call and the typed arrays that must not change.
const cases = {
  'detached values': () => {
    const v = ramp(8);
    detach(v.buffer);
    return { run: () => d.dualTopBottomK(v, 1, 1), inputs: [] };
  },
  'detached out.codes': () => {
    const c = new Uint8Array(8);
    detach(c.buffer);
    return { run: () => d.dualTopBottomK(ramp(8), 1, 1, c), inputs: [] };
  },
  'values detached by a getter read later': () => {
    const v = ramp(64);
    const layer = { values: v, kTop: 2, get kBottom() { detach(v.buffer); return 2; } };
    return { run: () => d.selectLayers([layer], { sparse: true }), inputs: [] };
  },
  'out detached by a later layer\'s getter': () => {
    const c = new Uint8Array(16);
    const later = { values: ramp(16), kTop: 1, get kBottom() { detach(c.buffer); return 1; } };
    return { run: () => d.selectLayers([{ values: ramp(16), kTop: 1, kBottom: 1, out: { codes: c } }, later], { codes: true }), inputs: [] };
  },
  'resizable buffer shrunk by a getter': () => {
    const rab = new ArrayBuffer(64, { maxByteLength: 64 });
    const v = ramp(16, rab);
    const layer = { values: v, kTop: 1, get kBottom() { rab.resize(8); return 1; } };
    return { run: () => d.selectLayers([layer], { codes: true }), inputs: [] };
  },
  'length-tracking view over a resizable buffer': () => {
    const rab = new ArrayBuffer(64, { maxByteLength: 128 });
    const v = new Float32Array(rab);
    v.set(ramp(16));
    return { run: () => d.dualTopBottomK(v, 2, 3), inputs: [v] };
  },
  'SharedArrayBuffer values': () => {
    const v = ramp(32, new SharedArrayBuffer(128));
    return { run: () => d.selectLayers([{ values: v, kTop: 3, kBottom: 4 }], { codes: true, pruned: true, sparse: true }), inputs: [v] };
  },
  'codes over the same SharedArrayBuffer as the values': () => {
    const sab = new SharedArrayBuffer(256);
    const v = ramp(32, sab);
    return { run: () => d.dualTopBottomK(v, 1, 1, new Uint8Array(sab, 100, 32)), inputs: [v] };
  },
  'kTop 2^53': () => ({ run: () => d.dualTopBottomK(ramp(8), 2 ** 53, 0), inputs: [] }),
  'kTop 2^32 on a small layer': () => ({ run: () => d.dualTopBottomK(ramp(8), 2 ** 32, 0), inputs: [] }),
  'empty layer with zero counts': () => ({ run: () => d.selectLayers([{ values: new Float32Array(0), kTop: 0, kBottom: 0 }], { codes: true, sparse: true }), inputs: [] }),
  'Float32Array subclass lying about its length': () => {
    class Liar extends Float32Array { get length() { return 1e9; } }
    const v = new Liar(8);
    v.set(ramp(8));
    return { run: () => d.dualTopBottomK(v, 1, 1), inputs: [v] };
  },
  'Proxy of a Float32Array into ErrorFeedback': () => {
    const ef = new d.ErrorFeedback({ kTop: 1, kBottom: 1 });
    return { run: () => ef.step([{ name: 'w', shape: [8], values: new Proxy(ramp(8), {}) }]), inputs: [] };
  },
  'Proxy of a Uint8Array into Aggregator.add': () => {
    const a = new d.Aggregator({ maxElements: 100 });
    return { run: () => a.add(new Proxy(d.encodeUpdate(update()), {})), inputs: [] };
  },
  'update indices past the shape into aggregateUpdates': () => {
    const u = update();
    u.layers[0].indices = Uint32Array.of(1, 2 ** 32 - 1);
    return { run: () => d.aggregateUpdates([u], { maxElements: 100 }), inputs: [u.layers[0].indices] };
  },
  'positions past the gradient into stepAligned': () => {
    const ef = new d.ErrorFeedback({ kTop: 1, kBottom: 1 });
    const p = d.decodePositions(d.encodePositions({ round: 0, layers: [{ name: 'w', shape: [8], indices: Uint32Array.of(0, 7) }] }));
    p.layers[0].indices = Uint32Array.of(0, 1e9);
    return { run: () => ef.stepAligned([{ name: 'w', shape: [8], values: ramp(8) }], p), inputs: [] };
  },
  'densifyAligned with a shape far larger than maxElements': () => {
    const p = d.decodePositions(d.encodePositions({ round: 0, layers: [{ name: 'w', shape: [8], indices: Uint32Array.of(0) }] }));
    p.layers[0].shape = [65536, 65535];
    return { run: () => d.densifyAligned({ round: 0, positionsId: p.id, layers: [{ name: 'w', values: Float32Array.of(1) }] }, p, { maxElements: 1000 }), inputs: [] };
  },
  'decodeUpdate of a message claiming 2^32-1 layers': () => {
    const b = d.encodeUpdate(update());
    b.set([0xff, 0xff, 0xff, 0xff], 16);
    return { run: () => d.decodeUpdate(b), inputs: [b] };
  },
};

const only = process.argv[3];
const results = [];
for (const [name, make] of Object.entries(cases)) {
  if (only && name !== only) continue;
  const { run, inputs } = make();
  const before = inputs.map(bytesOf);
  let outcome;
  try {
    outcome = `ok ${digest(run())}`;
  } catch (e) {
    outcome = `${e && e.name}: ${e && e.message}`;
  }
  results.push({ case: name, outcome, inputsUnchanged: inputs.every((v, i) => bytesOf(v) === before[i]) });
}
process.stdout.write(JSON.stringify(results) + '\n');
