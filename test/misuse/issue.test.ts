/**
 * The hand-written misuse cases: every case of issue 14, by kind, plus neighbours of each. Each
 * runs on every available backend through expectMisuse (harness.ts), which checks the error
 * class, the message, that nothing changed, and that the backends agree.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import {
  aggregateAligned, aggregateToTensors, aggregateUpdates, Aggregator, backendInfo, chooseAlignedPositions, decodePositions,
  decodeUpdate, densifyAligned, dgpMask, dgpPrune, dgpPruneGradients, dualTopBottomK, encodeAligned, encodePositions,
  encodeUpdate, ErrorFeedback, selectLayers, setBackend, sparseFromDense, Update,
} from '../../src';
import { crc32 } from '../../src/backends/ts/wire';
import { BACKENDS, expectMisuse, Expectation, Prepared } from './harness';

let count = 0;
/** One hand-written case: a test that runs it on every backend. */
function misuse(title: string, prepare: () => Prepared, want: Expectation, extra?: (result: string) => void): void {
  count++;
  test(title, () => {
    const o = expectMisuse(prepare, want);
    extra?.(o.result);
  });
}
afterAll(() => console.log(`misuse: ${count} hand-written cases on each of ${BACKENDS.join(', ')}`));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const f32 = (...v: number[]) => Float32Array.from(v);
const ramp = (n: number, nanAt = -1) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 7919) % n) - n / 2 + 0.5;
  if (nanAt >= 0) a[nanAt] = NaN;
  return a;
};
const cfg = { kTop: 1, kBottom: 1 };
const update = (name = 'w'): Update => ({ round: 3, layers: [{ name, shape: [2, 3], indices: Uint32Array.of(1, 4), values: f32(0.5, -2) }] });
/** Re-seals a message after a patch (a valid CRC over patched bytes). */
function reseal(bytes: Uint8Array): Uint8Array {
  const c = crc32(bytes, 0, bytes.length - 4);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, c, true);
  return bytes;
}
function positions() {
  const p = decodePositions(encodePositions({ round: 1, layers: [{ name: 'w', shape: [2, 3], indices: Uint32Array.of(0, 2, 5) }] }));
  return p;
}

describe('kind 1: outputs aliasing inputs or each other; writes before a later error', () => {
  misuse('an out array that is another layer\'s values', () => {
    const a = ramp(8);
    const b = ramp(8);
    return { run: () => selectLayers([{ values: a, kTop: 1, kBottom: 1, out: { pruned: b } }, { values: b, kTop: 1, kBottom: 1 }], { pruned: true }), watch: [a, b] };
  }, { error: 'RangeError', mentions: ['layer 0 out.pruned overlaps layer 1 values'] });
  misuse('two layers sharing one out.codes', () => {
    const c = new Uint8Array(8);
    return { run: () => selectLayers([{ values: ramp(8), kTop: 1, kBottom: 1, out: { codes: c } }, { values: ramp(8), kTop: 1, kBottom: 1, out: { codes: c } }], { codes: true }), watch: c };
  }, { error: 'RangeError', mentions: ['out.codes overlaps layer', 'out.codes'] });
  misuse('out overlapping only partly with another layer\'s kept values', () => {
    const buf = new ArrayBuffer(64);
    return { run: () => selectLayers([{ values: ramp(8), kTop: 1, kBottom: 1, out: { keptValues: new Float32Array(buf, 0, 6) } }, { values: ramp(8), kTop: 1, kBottom: 1, out: { keptIndices: new Uint32Array(buf, 20, 6) } }], { sparse: true }), watch: buf };
  }, { error: 'RangeError', mentions: ['overlaps'] });
  misuse('dualTopBottomK out over its own values', () => {
    const v = ramp(8);
    return { run: () => dualTopBottomK(v, 1, 1, new Uint8Array(v.buffer, 4, 8)), watch: v };
  }, { error: 'RangeError', mentions: ['out.codes overlaps layer 0 values'] });
  misuse('a NaN in a later layer leaves an earlier layer\'s caller-owned outputs untouched', () => {
    const big = ramp(1 << 18);
    const codes = new Uint8Array(1 << 18).fill(7);
    const pruned = new Float32Array(1 << 18).fill(3);
    const layers = [{ values: big, kTop: 10, kBottom: 1000, out: { codes, pruned } }, { name: 'late', values: ramp(16, 5), kTop: 1, kBottom: 1 }];
    return { run: () => selectLayers(layers, { codes: true, pruned: true }), watch: [codes, pruned, big] };
  }, { error: 'RangeError', mentions: ["layer 'late'", 'NaN', 'index 5'] });
  misuse('a NaN in one large layer leaves its caller-owned codes untouched (sample-bracketed path)', () => {
    const v = ramp(1 << 19, 300000);
    const codes = new Uint8Array(1 << 19).fill(7);
    return { run: () => dualTopBottomK(v, 5000, 400000, codes), watch: [codes, v] };
  }, { error: 'RangeError', mentions: ['layer 0 holds NaN at index 300000'] });
  misuse('the same with two small layers (parallel path)', () => {
    const codes = new Uint8Array(64).fill(7);
    return { run: () => selectLayers([{ values: ramp(64), kTop: 2, kBottom: 2, out: { codes } }, { values: ramp(64, 63), kTop: 1, kBottom: 1 }], { codes: true }), watch: codes };
  }, { error: 'RangeError', mentions: ['layer 1 holds NaN at index 63'] });
  misuse('inputs overlapping each other are fine (read-only)', () => {
    const v = ramp(16);
    return { run: () => selectLayers([{ values: v.subarray(0, 10), kTop: 1, kBottom: 1 }, { values: v.subarray(5), kTop: 1, kBottom: 1 }], { codes: true }), watch: v };
  }, { error: null });
});

describe('kind 2: names that are object keys', () => {
  for (const mode of ['toString', '__proto__', 'constructor', 'hasOwnProperty'])
    misuse(`ErrorFeedback mode '${mode}'`, () => ({ run: () => new ErrorFeedback(cfg, { mode: mode as never }) }), {
      error: 'RangeError', mentions: ['options.mode', JSON.stringify(mode)],
    });
  misuse("a decoded layer named '__proto__' is an own key of aggregateToTensors' map", () => {
    const u = decodeUpdate(encodeUpdate(update('__proto__')));
    return { run: () => aggregateToTensors(aggregateUpdates([u], { maxElements: 100 })), watch: u };
  }, { error: null }, (r) => expect(r).toMatch(/^null-proto\{__proto__:Tensor\(float32,\[2,3\]/));
  misuse("dgpPruneGradients keeps a layer named '__proto__' (and 'toString')", () => {
    const g = { ['__proto__']: tf.tensor(ramp(6)), toString: tf.tensor(ramp(4)) } as tf.NamedTensorMap;
    return { run: () => dgpPruneGradients(g, cfg), watch: g };
  }, { error: null }, (r) => {
    expect(r).toMatch(/pruned:null-proto\{__proto__:Tensor\(float32,\[6\].*toString:Tensor\(float32,\[4\]/);
    expect(r).toMatch(/kept:null-proto\{__proto__:\{shape/);
  });
});

describe('kind 3: layer names that do not survive the wire', () => {
  misuse("'w' and '\\uFEFFw' round-trip as two names", () => {
    const u: Update = { round: 0, layers: [update('\uFEFFw').layers[0], update('w').layers[0]] };
    return { run: () => decodeUpdate(encodeUpdate(u)).layers.map((l) => l.name), watch: u };
  }, { error: null }, (r) => expect(r).toBe('[str("\uFEFFw"),str("w")]'));
  for (const [title, name] of [['lone high surrogate', 'a\uD800'], ['lone low surrogate', '\uDC00b'], ['reversed pair', '\uDC00\uD800']])
    misuse(`encodeUpdate rejects a name with a ${title}`, () => {
      const u = update(name);
      return { run: () => encodeUpdate(u), watch: u };
    }, { error: 'RangeError', mentions: ['lone surrogate', JSON.stringify(name)] });
  misuse('a name of 1025 UTF-8 bytes (513 two-byte characters)', () => ({ run: () => encodeUpdate(update('é'.repeat(513))) }), {
    error: 'RangeError', mentions: ['1026 UTF-8 bytes', 'at most 1024'],
  });
  misuse('a decoded leading BOM stays in the name', () => {
    const bytes = encodeUpdate(update('\uFEFFw'));
    return { run: () => decodeUpdate(bytes).layers[0].name.length, watch: bytes };
  }, { error: null }, (r) => expect(r).toBe('num(2)'));
  misuse('an encoded surrogate (CESU-8) in a message is a format error, not U+FFFD', () => {
    const bytes = encodeUpdate(update('abc'));
    const at = bytes.indexOf(0x61);
    bytes.set([0xed, 0xa0, 0x80], at);
    reseal(bytes);
    return { run: () => decodeUpdate(bytes), watch: bytes };
  }, { error: 'DgpFormatError', mentions: ['name is not valid UTF-8'] });
  misuse('ErrorFeedback.step rejects a lone-surrogate layer name before any state changes', () => {
    const ef = new ErrorFeedback(cfg);
    ef.step({ w: tf.tensor(ramp(4)) });
    const g = { ['\uDC00']: tf.tensor(ramp(4)) };
    return { run: () => ef.step(g), watch: [ef, g] };
  }, { error: 'RangeError', mentions: ['lone surrogate'] });
});

describe('kind 4: tensor leaks on error', () => {
  misuse('aggregateToTensors with a bad later layer', () => {
    const layers = [{ name: 'a', shape: [2], values: f32(1, 2) }, { name: 'b', shape: [3], values: f32(1, 2) }];
    return { run: () => aggregateToTensors(layers), watch: layers };
  }, { error: 'RangeError', mentions: ["'b'", 'shape [3] has 3 elements but values has 2'] });
  misuse('aggregateToTensors with a duplicate name', () => {
    const layers = [{ name: 'a', shape: [2], values: f32(1, 2) }, { name: 'a', shape: [2], values: f32(1, 2) }];
    return { run: () => aggregateToTensors(layers), watch: layers };
  }, { error: 'RangeError', mentions: ["layer name 'a' appears twice"] });
  misuse('dgpPruneGradients with a NaN in a later layer', () => {
    const g = { a: tf.tensor(ramp(6)), b: tf.tensor(ramp(6, 2)) };
    return { run: () => dgpPruneGradients(g, cfg), watch: g };
  }, { error: 'RangeError', mentions: ["layer 'b'", 'NaN', 'index 2'] });
  misuse('dgpPruneGradients with a bool tensor in a later layer', () => {
    const g = { a: tf.tensor(ramp(6)), b: tf.tensor([true, false], [2], 'bool') };
    return { run: () => dgpPruneGradients(g, cfg), watch: g };
  }, { error: 'TypeError', mentions: ["grads['b']", 'bool'] });
});

describe('kind 5: ragged and malformed TensorLike', () => {
  misuse('dgpMask of [[1, 2], [3]]', () => ({ run: () => dgpMask([[1, 2], [3]], cfg) }), {
    error: 'TypeError', mentions: ['dgpMask: x[1]', 'Array(1)', 'rectangular'],
  });
  misuse('ErrorFeedback.step({w: [[1, 2], [3]]}) changes nothing', () => {
    const ef = new ErrorFeedback(cfg);
    ef.step({ w: [[1, 2], [3, 4]] } as never);
    return { run: () => ef.step({ w: [[1, 2], [3]] } as never), watch: ef };
  }, { error: 'TypeError', mentions: ["grads['w'][1]", 'rectangular'] });
  misuse('dgpPrune of [[1, "a"]]', () => ({ run: () => dgpPrune([[1, 'a']] as never, cfg) }), {
    error: 'TypeError', mentions: ['x[0][1] must be a number', '"a"'],
  });
  misuse('dgpPrune of [1, [2]] (number then array)', () => ({ run: () => dgpPrune([1, [2]] as never, cfg) }), {
    error: 'TypeError', mentions: ['x[1]', 'Array(1)'],
  });
  misuse('dgpPrune of an array with a hole', () => ({ run: () => dgpPrune([1, , 3] as never, cfg) }), { // eslint-disable-line no-sparse-arrays
    error: 'TypeError', mentions: ['x[1] must be a number, got undefined'],
  });
  misuse('dgpPrune of a cyclic array', () => {
    const a: unknown[] = [];
    a.push(a);
    return { run: () => dgpPrune(a as never, cfg) };
  }, { error: 'RangeError', mentions: ['nested deeper than 32'] });
  misuse('dgpMask of a Uint8Array', () => ({ run: () => dgpMask(new Uint8Array(4), cfg) }), {
    error: 'TypeError', mentions: ['float32 or int32', 'Uint8Array(4)'],
  });
  misuse('a rectangular nested TensorLike works and keeps its shape', () => ({ run: () => dgpPrune([[1, -5], [3, 0.5]], cfg) }), { error: null },
    (r) => expect(r).toBe(`Tensor(float32,[2,2],Float32Array@0[0000803f000000000000404000000000])`));
});

describe('kind 6: backend state after a failed setBackend', () => {
  misuse('setBackend with an unknown name', () => ({ run: () => setBackend('gpu' as never) }), {
    error: 'RangeError', mentions: ['setBackend: name', '"gpu"'],
  });
  if (!backendInfo().available.cuda)
    misuse("setBackend('cuda') without a device leaves the forced backend as it was", () => ({ run: () => setBackend('cuda') }), {
      error: 'DgpError', mentions: ["setBackend('cuda'): backend unavailable"],
    });
  misuse('setBackend with a non-string', () => ({ run: () => setBackend({} as never) }), { error: 'RangeError', mentions: ['an object'] });
});

describe('kind 7: wrong types treated as empty', () => {
  misuse('dgpPruneGradients(new Map)', () => {
    const m = new Map([['w', tf.tensor(ramp(4))]]);
    return { run: () => dgpPruneGradients(m as never, cfg), watch: m };
  }, { error: 'TypeError', mentions: ['grads must be a NamedTensorMap', 'a Map'] });
  misuse('ErrorFeedback.step(new Map) counts no round', () => {
    const ef = new ErrorFeedback(cfg);
    const m = new Map([['w', tf.tensor(ramp(4))]]);
    return { run: () => ef.step(m as never), watch: [ef, m] };
  }, { error: 'TypeError', mentions: ['ErrorFeedback.step: grads', 'a Map'] });
  misuse('ErrorFeedback.step({}) counts no round', () => {
    const ef = new ErrorFeedback(cfg);
    return { run: () => ef.step({}), watch: ef };
  }, { error: 'RangeError', mentions: ['grads has no layers'] });
  misuse("selectLayers(layers, 'codes')", () => ({ run: () => selectLayers([{ values: ramp(4), kTop: 1, kBottom: 1 }], 'codes' as never) }), {
    error: 'TypeError', mentions: ['selectLayers: want', '"codes"'],
  });
  misuse("selectLayers(layers, {codes: 'yes'})", () => ({ run: () => selectLayers([{ values: ramp(4), kTop: 1, kBottom: 1 }], { codes: 'yes' } as never) }), {
    error: 'TypeError', mentions: ['want.codes must be a boolean', '"yes"'],
  });
  misuse("aggregateAligned(u, p, 'mean')", () => {
    const p = positions();
    const u = [{ round: 1, positionsId: p.id!, layers: [{ name: 'w', values: f32(1, 2, 3) }] }];
    return { run: () => aggregateAligned(u, p, 'mean' as never), watch: [u, p] };
  }, { error: 'TypeError', mentions: ['aggregateAligned: options', '"mean"'] });
  misuse('dgpMask(x, "topRatio")', () => ({ run: () => dgpMask(ramp(4), 'topRatio' as never) }), { error: 'TypeError', mentions: ['config', '"topRatio"'] });
});

describe('kind 8: holes and hand-built objects', () => {
  misuse('encodeUpdate with a hole in the shape', () => {
    const u = update();
    u.layers[0].shape = [2, , 3] as number[]; // eslint-disable-line no-sparse-arrays
    return { run: () => encodeUpdate(u), watch: u };
  }, { error: 'RangeError', mentions: ['shape[1]', 'got undefined'] });
  misuse('aggregateUpdates with a NaN value in a hand-built update', () => {
    const u = update();
    u.layers[0].values[1] = NaN;
    return { run: () => aggregateUpdates([update(), u], { maxElements: 100 }), watch: u };
  }, { error: 'DgpFormatError', mentions: ["update 1 layer 'w'", 'values[1] is NaN'] });
  misuse('aggregateUpdates with duplicate indices', () => {
    const u = update();
    u.layers[0].indices[1] = 1;
    return { run: () => aggregateUpdates([u], { maxElements: 100 }), watch: u };
  }, { error: 'DgpFormatError', mentions: ['indices[1] = 1 is not greater than indices[0] = 1'] });
  misuse("weights [1e308, 1e308] with 'mean' give the plain mean", () => ({
    run: () => [aggregateUpdates([update(), update()], { reduce: 'mean', weights: [1e308, 1e308], maxElements: 100 }), aggregateUpdates([update(), update()], { reduce: 'mean', maxElements: 100 })],
  }), { error: null }, (r) => {
    const [a, b] = r.slice(1, -1).split('],[');
    expect(a + ']').toBe('[' + b);
  });
  misuse("a weight past float32 with 'sum'", () => ({ run: () => aggregateUpdates([update()], { weights: [1e39], maxElements: 100 }) }), {
    error: 'RangeError', mentions: ['options.weights[0]', '1e+39'],
  });
  misuse('sparseFromDense with a NaN', () => {
    const layers = [{ name: 'w', shape: [3], values: f32(1, NaN, 0) }];
    return { run: () => sparseFromDense(layers), watch: layers };
  }, { error: 'RangeError', mentions: ["'w'", 'NaN at index 1'] });
  misuse('sparseFromDense with a shape that does not match', () => ({ run: () => sparseFromDense([{ name: 'w', shape: [4], values: f32(1, 2, 0) }]) }), {
    error: 'RangeError', mentions: ['shape [4] has 4 elements but values has 3'],
  });
  misuse('sparseFromDense(null)', () => ({ run: () => sparseFromDense(null as never) }), { error: 'TypeError', mentions: ['sparseFromDense: layers', 'null'] });
  misuse('encodePositions with indices past the shape', () => ({
    run: () => encodePositions({ round: 0, layers: [{ name: 'w', shape: [4], indices: Uint32Array.of(4) }] }),
  }), { error: 'RangeError', mentions: ['indices[0] = 4 is >= the layer size 4'] });
});

describe('kind 9: messages name the problem', () => {
  misuse('stepAligned(g, null)', () => {
    const ef = new ErrorFeedback(cfg);
    const g = { w: tf.tensor(ramp(6)) };
    return { run: () => ef.stepAligned(g, null as never), watch: [ef, g] };
  }, { error: 'TypeError', mentions: ['ErrorFeedback.stepAligned: positions', 'null'] });
  misuse('encodeUpdate({round: 0, layers: null})', () => ({ run: () => encodeUpdate({ round: 0, layers: null } as never) }), {
    error: 'TypeError', mentions: ['encodeUpdate: update.layers', 'null'],
  });
  misuse('decodeUpdate(null)', () => ({ run: () => decodeUpdate(null as never) }), { error: 'TypeError', mentions: ['decodeUpdate: bytes', 'null'] });
  misuse('densifyAligned with a NaN dimension', () => {
    const p = { ...positions(), layers: [{ name: 'w', shape: [NaN], indices: Uint32Array.of(0) }] };
    const a = { round: 1, positionsId: p.id, layers: [{ name: 'w', values: f32(1) }] };
    return { run: () => densifyAligned(a as never, p, { maxElements: 100 }), watch: [a, p] };
  }, { error: 'RangeError', mentions: ['shape[0]', 'NaN'] });
  misuse('densifyAligned with positions lacking an id', () => {
    const p = { round: 1, layers: [{ name: 'w', shape: [6], indices: Uint32Array.of(0) }] };
    return { run: () => densifyAligned({ round: 1, positionsId: 0, layers: [] }, p, { maxElements: 100 }) };
  }, { error: 'TypeError', mentions: ['positions.id', 'undefined'] });
  misuse('chooseAlignedPositions(null, cfg)', () => ({ run: () => chooseAlignedPositions(null as never, cfg) }), {
    error: 'TypeError', mentions: ['chooseAlignedPositions: grads', 'null'],
  });
  misuse('encodeAligned with a string positionsId', () => ({ run: () => encodeAligned({ round: 0, positionsId: '1' as never, layers: [] }) }), {
    error: 'TypeError', mentions: ['positionsId', '"1"'],
  });
});

describe('kind 10: state leaks and arguments that change while read', () => {
  test('backendInfo() returns copies', () => {
    const info = backendInfo();
    info.native?.loadErrors.push('injected');
    info.addon.prebuilds.push('injected');
    expect(JSON.stringify(backendInfo())).not.toContain('injected');
  });
  count++;
  misuse('a kTop getter that changes between reads is read once', () => {
    let reads = 0;
    const layer = { values: ramp(32), get kTop() { return reads++ === 0 ? 2 : 30; }, kBottom: 2 };
    return { run: () => [selectLayers([layer], { sparse: true })[0], selectLayers([{ values: ramp(32), kTop: 2, kBottom: 2 }], { sparse: true })[0]] };
  }, { error: null }, (r) => {
    const [a, b] = r.slice(1, -1).split('},{');
    expect(a + '}').toBe('{' + b);
  });
  misuse('a typed array with an own length getter is read by its real length', () => {
    const v = ramp(8);
    Object.defineProperty(v, 'length', { get: () => 1e9 });
    return { run: () => dualTopBottomK(v, 1, 1), watch: v };
  }, { error: null }, (r) => expect(r).toMatch(/^Uint8Array@0\[[0-9a-f]{16}\]$/));
  misuse('a Proxy of a Float32Array', () => ({ run: () => dualTopBottomK(new Proxy(ramp(8), {}), 1, 1) }), {
    error: 'TypeError', mentions: ['dualTopBottomK: values', 'Proxy'],
  });
  misuse('a Proxy of a Uint8Array as bytes', () => ({ run: () => decodeUpdate(new Proxy(encodeUpdate(update()), {})) }), {
    error: 'TypeError', mentions: ['decodeUpdate: bytes', 'Proxy'],
  });
  misuse('a getter that detaches the values while the layer is read', () => {
    const v = ramp(8);
    const layer = { values: v, get kTop() { structuredClone(v.buffer, { transfer: [v.buffer] }); return 1; }, kBottom: 1 };
    return { run: () => selectLayers([layer], { codes: true }) };
  }, { error: 'TypeError', mentions: ['layer 0 values', 'detached'] });
  misuse('an out getter that detaches an earlier layer\'s values', () => {
    const v = ramp(8);
    const out = { get codes() { structuredClone(v.buffer, { transfer: [v.buffer] }); return undefined; } };
    return { run: () => selectLayers([{ values: v, kTop: 1, kBottom: 1 }, { values: ramp(8), kTop: 1, kBottom: 1, out }], { codes: true }) };
  }, { error: 'TypeError', mentions: ['layer 0 values was detached while the arguments were read'] });
});

describe('async calls reject like the sync ones and change nothing', () => {
  count++;
  for (const backend of BACKENDS)
    test(`Aggregator.addAsync on ${backend}`, async () => {
      setBackend(backend);
      try {
        const agg = new Aggregator({ maxElements: 100 });
        await agg.addAsync(encodeUpdate(update()));
        const state = () => [agg.count, agg.totalWeight, agg.round, Buffer.from(agg.encodePartial()).toString('hex')].join();
        const before = state();
        await expect(agg.addAsync(new Proxy(encodeUpdate(update()), {}))).rejects.toThrow(/Aggregator.addAsync: bytes must be a Uint8Array, got a Proxy/);
        await expect(agg.addAsync(encodeUpdate(update()), -1)).rejects.toThrow(/Aggregator.addAsync: weight must be .* got -1/);
        const corrupt = encodeUpdate(update());
        corrupt[corrupt.length - 1] ^= 1;
        await expect(agg.addAsync(corrupt)).rejects.toThrow(/CRC-32 mismatch/);
        expect(state()).toBe(before);
      } finally {
        setBackend('auto');
      }
    });
});
