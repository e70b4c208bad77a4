/**
 * The streaming Aggregator (SPEC §7): results bit-identical to a float64 reference on every
 * backend, every hostile message rejected with the sums untouched (bit for bit), layouts,
 * partial aggregates merged as a tree within the documented rounding, ADGP aligned uploads, and
 * no per-message allocation.
 */
import * as fs from 'fs';
import * as path from 'path';

import {
  Aggregator, decodePartial, decodePositions, DgpFormatError, encodeAligned, encodePositions, encodeUpdate, Update,
} from '../../src/fl';
import { kernelsFor, nativeBinding } from '../../src/backend';
import { tsKernels } from '../../src/backends/ts/kernels';
import { wasmKernels } from '../../src/backends/wasm/kernels';
import { BACKENDS, gradient, onBackend, reseal, sameBits, subset } from './helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'wire');
const SHAPES: Array<[string, number[]]> = [['conv/kernel', [3, 3, 4, 8]], ['dense', [40, 30]], ['bias', [30]], ['scalar', []]];
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const LAYOUT = SHAPES.map(([name, shape]) => ({ name, shape }));

/** Client c's update: dense layers as bitmaps, sparse ones as delta varints (both codings). */
function update(c: number, round = 3): Update {
  return {
    round,
    layers: SHAPES.map(([name, shape], i) => {
      const n = size(shape);
      const indices = subset(n, i === 1 ? 0.03 : 0.4, 100 * c + i);
      const g = gradient(n, 7 * c + i);
      return { name, shape, indices, values: Float32Array.from(indices, (k) => g[k]) };
    }),
  };
}

/** The documented arithmetic: float64 acc = acc + w·v in message order, then fround(acc / scale). */
function reference(updates: Update[], weights: number[], mean: boolean): Float32Array[] {
  const total = weights.reduce((s, w) => s + w, 0);
  return SHAPES.map(([name, shape]) => {
    const acc = new Float64Array(size(shape));
    updates.forEach((u, c) => {
      const l = u.layers.find((x) => x.name === name)!;
      l.indices.forEach((i, j) => (acc[i] = acc[i] + weights[c] * l.values[j]));
    });
    return Float32Array.from(acc, (x) => (mean ? x / total : x));
  });
}

test('each backend runs its own streaming kernels (native: the addon\'s exports themselves)', () => {
  const own = { ts: tsKernels, wasm: wasmKernels, native: nativeBinding() };
  for (const b of BACKENDS)
    onBackend(b, () => {
      const k = kernelsFor(1e6);
      expect([k.streamAdd, k.streamAddAsync, k.partialMerge]).toEqual([own[b]!.streamAdd, own[b]!.streamAddAsync, own[b]!.partialMerge]);
    });
});

test('switching backends between messages gives the same bits (the sums move in and out of the wasm module)', () => {
  const messages = Array.from({ length: 8 }, (_, c) => encodeUpdate(update(c)));
  const weights = [1, 2.5, 0.1, 3, 1e-3, 7, 0.5, 2];
  const reference = new Aggregator({ maxElements: 1e6 });
  onBackend('ts', () => messages.forEach((m, c) => reference.add(m, weights[c])));
  const mixed = new Aggregator({ maxElements: 1e6 });
  messages.forEach((m, c) => onBackend(BACKENDS[c % BACKENDS.length], () => {
    mixed.add(m, weights[c]);
    expect(() => mixed.add(nanMessage())).toThrow(DgpFormatError);
  }));
  // Rejected messages in between leave the sums exact; a merge on wasm adds into resident sums.
  const other = new Aggregator({ maxElements: 1e6 });
  other.add(messages[3], 2);
  onBackend('wasm', () => mixed.merge(other.encodePartial()));
  onBackend('ts', () => reference.merge(other.encodePartial()));
  expect(Buffer.from(mixed.encodePartial()).equals(Buffer.from(reference.encodePartial()))).toBe(true);
});

describe.each(BACKENDS)('Aggregator on %s', (backend) => {
  const updates = Array.from({ length: 6 }, (_, c) => update(c));
  const messages = updates.map(encodeUpdate);
  const weights = [1, 2.5, 0.1, 3, 1e-3, 7];

  test.each([
    ['sum', false],
    ['mean', true],
  ] as const)('%s of weighted messages is bit-identical to the float64 reference', (reduce, mean) => {
    onBackend(backend, () => {
      const agg = new Aggregator({ reduce, maxElements: 1e6 });
      messages.forEach((m, c) => agg.add(m, weights[c]));
      expect(agg.count).toBe(6);
      expect(agg.round).toBe(3);
      expect(agg.totalWeight).toBe(weights.reduce((s, w) => s + w, 0));
      const out = agg.result();
      expect(out.map((l) => [l.name, l.shape])).toEqual(SHAPES);
      reference(updates, weights, mean).forEach((r, i) => expect(sameBits(out[i].values, r)).toBe(true));
    });
  });

  test('a given layout gives the same bits as one taken from the first message', () => {
    onBackend(backend, () => {
      const a = new Aggregator({ maxElements: 1e6, layout: LAYOUT });
      const b = new Aggregator({ maxElements: 1e6 });
      messages.forEach((m) => (a.add(m), b.add(m)));
      a.result().forEach((l, i) => expect(sameBits(l.values, b.result()[i].values)).toBe(true));
      expect(Buffer.from(a.encodePartial()).equals(Buffer.from(b.encodePartial()))).toBe(true);
    });
  });

  // Each hostile message must throw DgpFormatError naming the problem and leave the sums as they were.
  const good = messages[1];
  const layerStart = 20; // first layer ('conv/kernel') starts right after the header
  const hostile: Array<[string, () => Uint8Array, RegExp]> = [
    ['a flipped bit (CRC)', () => { const b = good.slice(); b[100] ^= 4; return b; }, /CRC-32 mismatch/],
    ['truncated', () => good.subarray(0, good.length - 9), /length mismatch: the header says \d+ bytes, got \d+ \(truncated\)/],
    ['trailing byte', () => Uint8Array.from([...good, 0]), /trailing bytes/],
    ['bad magic', () => { const b = good.slice(); b[0] = 0x50; return b; }, /not a tfjs-dgp message/],
    ['version 2', () => { const b = good.slice(); b[4] = 2; return reseal(b); }, /unsupported format version 2/],
    ['kind 3', () => { const b = good.slice(); b[5] = 3; return reseal(b); }, /expected kind 1 \(update\), got kind 3 \(aligned values\)/],
    ['round 4', () => encodeUpdate(update(1, 4)), /round 4, but this aggregator holds round 3/],
    ['renamed layer', () => encodeUpdate({ ...updates[1], layers: updates[1].layers.map((l, i) => (i === 2 ? { ...l, name: 'bias2' } : l)) }), /layer 2 \('bias'\): the message has 'bias2' shape \[30\], the layout expects 'bias' shape \[30\]/],
    ['reshaped layer', () => encodeUpdate({ ...updates[1], layers: updates[1].layers.map((l, i) => (i === 1 ? { ...l, shape: [30, 40] } : l)) }), /layer 1 \('dense'\): the message has 'dense' shape \[30,40\]/],
    ['layers swapped', () => encodeUpdate({ ...updates[1], layers: [updates[1].layers[1], updates[1].layers[0], ...updates[1].layers.slice(2)] }), /layer 0 \('conv\/kernel'\): the message has 'dense'/],
    ['a layer missing', () => encodeUpdate({ ...updates[1], layers: updates[1].layers.slice(0, 3) }), /3 layers, the layout has 4/],
    ['NaN value in the last layer', () => nanMessage(), /layer 3 \('scalar'\): value 0 is not finite/],
    ['bitmap count too high', () => { const b = good.slice(); const countAt = layerStart + 1 + 11 + 1 + 4 + 1; b[countAt] += 1; return reseal(b); }, /layer 0 \('conv\/kernel'\): bitmap has \d+ set bits, the count says \d+/],
    ['index coding 5', () => { const b = good.slice(); b[layerStart + 1 + 11 + 1 + 4] = 5; return reseal(b); }, /index coding 5 is not 0 \(bitmap\) or 1 \(delta\)/],
    ['a partial given to add()', () => { const a = new Aggregator({ maxElements: 1e6 }); a.add(good); return a.encodePartial(); }, /got kind 4 \(partial aggregate: use merge\(\)\)/],
  ];

  test.each(hostile)('rejects %s and leaves the sums bit-identical', (_, make, message) => {
    onBackend(backend, () => {
      const agg = new Aggregator({ maxElements: 1e6 });
      agg.add(messages[0], 2);
      const before = agg.encodePartial();
      const bytes = make();
      expect(() => agg.add(bytes)).toThrow(DgpFormatError);
      expect(() => agg.add(bytes)).toThrow(message);
      expect(Buffer.from(agg.encodePartial()).equals(Buffer.from(before))).toBe(true);
      expect(agg.count).toBe(1);
      agg.add(messages[1], 1); // still usable
      expect(agg.count).toBe(2);
    });
  });

  test('every single-bit flip of a message, resealed or not, is rejected or accepted whole', () => {
    onBackend(backend, () => {
      const small = encodeUpdate({ round: 3, layers: [{ name: 'b', shape: [12], indices: Uint32Array.of(1, 3, 11), values: Float32Array.of(0.5, -2, 3) }] });
      const agg = new Aggregator({ maxElements: 100 });
      agg.add(small);
      const before = agg.encodePartial();
      let rejected = 0;
      for (let bit = 0; bit < small.length * 8; bit++) {
        const b = small.slice();
        b[bit >> 3] ^= 1 << (bit & 7);
        for (const m of [b, reseal(b)]) {
          const snapshot = agg.encodePartial();
          try {
            agg.add(m);
          } catch (e) {
            expect(e).toBeInstanceOf(DgpFormatError);
            expect(Buffer.from(agg.encodePartial()).equals(Buffer.from(snapshot))).toBe(true);
            rejected++;
          }
        }
      }
      expect(rejected).toBeGreaterThan(small.length * 8); // every unresealed flip, most resealed ones
      expect(before.length).toBe(agg.encodePartial().length);
    });
  });

  test('maxElements bounds the layout: DgpFormatError for a message, RangeError for options', () => {
    onBackend(backend, () => {
      const agg = new Aggregator({ maxElements: 100 });
      expect(() => agg.add(messages[0])).toThrow(/the layout needs 1519 dense elements, more than options.maxElements = 100/);
      expect(() => agg.add(messages[0])).toThrow(DgpFormatError);
      expect(() => new Aggregator({ maxElements: 100, layout: LAYOUT })).toThrow(RangeError);
      expect(agg.count).toBe(0);
    });
  });

  test('bad arguments are TypeError / RangeError naming the value', () => {
    onBackend(backend, () => {
      const agg = new Aggregator({ maxElements: 1e6 });
      expect(() => agg.add([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
      expect(() => agg.add(messages[0], -1)).toThrow(/weight must be a finite number in \[0, 2\^32\], got -1/);
      expect(() => agg.add(messages[0], NaN)).toThrow(RangeError);
      expect(() => new Aggregator({ maxElements: 10, reduce: 'max' as 'sum' })).toThrow(/options.reduce must be one of 'sum', 'mean', got "max"/);
      expect(() => new Aggregator({} as { maxElements: number })).toThrow(/maxElements/);
      expect(() => agg.result()).toThrow(/no layout yet/);
      expect(() => agg.encodePartial()).toThrow(/no layout yet/);
      expect(() => new Aggregator({ maxElements: 10, reduce: 'mean', layout: [{ name: 'a', shape: [2] }] }).result()).toThrow(/'mean' needs a positive total weight/);
    });
  });

  test('a tree of partial aggregates gives the single-aggregator result within the documented bound', () => {
    onBackend(backend, () => {
      const many = Array.from({ length: 24 }, (_, c) => update(c));
      const w = many.map((_, c) => 1 + (c % 5) * 0.37);
      const single = new Aggregator({ reduce: 'mean', maxElements: 1e6 });
      many.forEach((u, c) => single.add(encodeUpdate(u), w[c]));
      const leaves = [0, 1, 2, 3].map(() => new Aggregator({ reduce: 'mean', maxElements: 1e6 }));
      many.forEach((u, c) => leaves[c % 4].add(encodeUpdate(u), w[c]));
      const root = new Aggregator({ reduce: 'mean', maxElements: 1e6 });
      leaves.forEach((l) => root.merge(l.encodePartial()));
      expect(root.count).toBe(24);
      // Exact: the root's sums are the leaves' float64 sums added in merge order.
      const parts = leaves.map((l) => decodePartial(l.encodePartial()));
      const rootSums = decodePartial(root.encodePartial());
      rootSums.layers.forEach((l, i) => {
        const expected = parts.reduce((acc, p) => acc.map((x, j) => x + p.layers[i].sums[j]), new Float64Array(l.sums.length));
        expect(sameBits(new Float32Array(l.sums.buffer), new Float32Array(expected.buffer))).toBe(true);
      });
      expect(rootSums.totalWeight).toBe(parts.reduce((s, p) => s + p.totalWeight, 0));
      // Against the single aggregator: |Δ| <= 1 float32 ulp + 2·C·2^-53·Σ|w·v| / Σw (FL.md).
      const a = single.result();
      const b = root.result();
      const absSums = SHAPES.map(([name, shape]) => {
        const s = new Float64Array(size(shape));
        many.forEach((u, c) => { const l = u.layers.find((x) => x.name === name)!; l.indices.forEach((k, j) => (s[k] += Math.abs(w[c] * l.values[j]))); });
        return s;
      });
      const W = w.reduce((s, x) => s + x, 0);
      let identical = 0;
      let total = 0;
      a.forEach((l, i) => l.values.forEach((x, j) => {
        const y = b[i].values[j];
        const ulp = Math.max(Math.abs(x), Math.abs(y)) * 2 ** -23 + 2 ** -149;
        expect(Math.abs(x - y)).toBeLessThanOrEqual(ulp + (2 * 24 * 2 ** -53 * absSums[i][j]) / W);
        identical += Object.is(x, y) ? 1 : 0;
        total++;
      }));
      expect(identical / total).toBeGreaterThan(0.99); // float64 sums: the float32 results almost always agree
    });
  });

  test('merge rejects bad partials and leaves everything unchanged', () => {
    onBackend(backend, () => {
      const leaf = new Aggregator({ maxElements: 1e6 });
      leaf.add(messages[0]);
      const p = leaf.encodePartial();
      const other = new Aggregator({ maxElements: 1e6 });
      other.add(encodeUpdate(update(0, 9)));
      const root = new Aggregator({ maxElements: 1e6 });
      root.add(messages[1]);
      const before = root.encodePartial();
      const cases: Array<[Uint8Array, RegExp]> = [
        [(() => { const b = p.slice(); b[60] ^= 1; return b; })(), /CRC-32 mismatch/],
        [other.encodePartial(), /round 9, but this aggregator holds round 3/],
        [(() => { const b = p.slice(); new DataView(b.buffer).setFloat64(32, -1, true); return reseal(b); })(), /total weight is not a finite number >= 0/],
        [(() => { const b = p.slice(); new DataView(b.buffer).setFloat64(b.length - 12, Infinity, true); return reseal(b); })(), /layer 3 \('scalar'\): sum 0 is not finite/],
        [(() => { const b = p.slice(); b[20] = 3; return reseal(b); })(), /partial of kind 3 \(aligned values\), this aggregator sums kind 1/],
        [messages[2], /expected kind 4 \(partial aggregate\), got kind 1 \(update\)/],
      ];
      for (const [bytes, message] of cases) {
        expect(() => root.merge(bytes)).toThrow(DgpFormatError);
        expect(() => root.merge(bytes)).toThrow(message);
        expect(Buffer.from(root.encodePartial()).equals(Buffer.from(before))).toBe(true);
        expect(root.count).toBe(1);
      }
      root.merge(p);
      expect(root.count).toBe(2);
    });
  });

  test('ADGP: aligned uploads summed on the positions, bit-identical to the float64 reference', () => {
    onBackend(backend, () => {
      const positions = decodePositions(encodePositions({ round: 5, layers: SHAPES.map(([name, shape], i) => ({ name, shape, indices: subset(size(shape), 0.2, i + 50) })) }));
      const uploads = [0, 1, 2].map((c) => ({
        round: 5,
        positionsId: positions.id!,
        layers: positions.layers.map((l, i) => ({ name: l.name, values: gradient(l.indices.length, 30 * c + i) })),
      }));
      const w = [1, 2, 0.5];
      const agg = new Aggregator({ reduce: 'mean', maxElements: 1e6, layout: positions });
      uploads.forEach((u, c) => agg.add(encodeAligned(u), w[c]));
      const down = agg.resultAligned();
      expect(down.positionsId).toBe(positions.id);
      down.layers.forEach((l, i) => {
        const ref = Float32Array.from(l.values, (_, j) => uploads.reduce((s, u, c) => s + w[c] * u.layers[i].values[j], 0) / 3.5);
        expect(sameBits(l.values, ref)).toBe(true);
      });
      const dense = agg.result();
      dense.forEach((l, i) => {
        expect(l.shape).toEqual(SHAPES[i][1]);
        positions.layers[i].indices.forEach((k, j) => expect(Object.is(l.values[k], down.layers[i].values[j])).toBe(true));
      });
      // Wrong positions, and a partial of aligned sums merged into a fresh aggregator on the same positions.
      const stale = encodeAligned({ ...uploads[0], positionsId: positions.id! ^ 1 });
      expect(() => agg.add(stale)).toThrow(/made for positions 0x[0-9a-f]{8}, this aggregator's are 0x[0-9a-f]{8}/);
      const copy = new Aggregator({ reduce: 'mean', maxElements: 1e6, layout: positions });
      copy.merge(agg.encodePartial());
      expect(sameBits(copy.resultAligned().layers[0].values, down.layers[0].values)).toBe(true);
    });
  });

  test('adding a message allocates no typed arrays (memory O(model), not O(clients))', () => {
    onBackend(backend, () => {
      const agg = new Aggregator({ maxElements: 1e6, layout: LAYOUT });
      agg.add(messages[0]);
      const real = { U8: globalThis.Uint8Array, U32: globalThis.Uint32Array, F32: globalThis.Float32Array, F64: globalThis.Float64Array };
      let allocated = 0;
      const spy = <T extends object>(C: T): T =>
        new Proxy(C as unknown as new (...a: unknown[]) => object, {
          construct(target, args) {
            allocated++;
            return new target(...args);
          },
        }) as unknown as T;
      Object.assign(globalThis, { Uint8Array: spy(real.U8), Uint32Array: spy(real.U32), Float32Array: spy(real.F32), Float64Array: spy(real.F64) });
      try {
        for (const m of messages) agg.add(m);
      } finally {
        Object.assign(globalThis, { Uint8Array: real.U8, Uint32Array: real.U32, Float32Array: real.F32, Float64Array: real.F64 });
      }
      expect(allocated).toBe(0);
      expect(agg.count).toBe(1 + messages.length);
    });
  });

  test('addAsync gives the same sums as add, in call order', async () => {
    setBackendFor(backend);
    try {
      // On 'native' the kernel runs on libuv's thread pool (the addon's streamAddAsync); wasm
      // and ts run it on the calling thread and resolve after.
      const a = new Aggregator({ maxElements: 1e6 });
      const b = new Aggregator({ maxElements: 1e6 });
      messages.forEach((m, c) => a.add(m, weights[c]));
      const all = Promise.all(messages.map((m, c) => b.addAsync(m, weights[c])));
      expect(() => b.add(messages[0])).toThrow(/Aggregator.add: 6 addAsync call\(s\) still pending; await them first/);
      await all;
      await expect(b.addAsync(nanMessage())).rejects.toThrow(DgpFormatError);
      expect(Buffer.from(b.encodePartial()).equals(Buffer.from(a.encodePartial()))).toBe(true);
    } finally {
      setBackendFor('auto');
    }
  });
});

function setBackendFor(name: 'ts' | 'wasm' | 'native' | 'auto'): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  require('../../src/backend').setBackend(name);
}

/** update(1) with a NaN as the scalar layer's value, behind a valid CRC. */
function nanMessage(): Uint8Array {
  const b = encodeUpdate(update(1));
  new DataView(b.buffer).setUint32(b.length - 8, 0x7fc00000, true); // the last value is the scalar's
  return reseal(b);
}

describe('partial aggregate golden vector', () => {
  const file = path.join(FIXTURES, 'partial-small.bin');
  function golden(): Uint8Array {
    const agg = new Aggregator({ maxElements: 100, layout: [{ name: 'b', shape: [4] }, { name: 's', shape: [] }] });
    agg.add(encodeUpdate({ round: 7, layers: [
      { name: 'b', shape: [4], indices: Uint32Array.of(1, 3), values: Float32Array.of(0.5, -2) },
      { name: 's', shape: [], indices: Uint32Array.of(0), values: Float32Array.of(42) },
    ] }), 1);
    agg.add(encodeUpdate({ round: 7, layers: [
      { name: 'b', shape: [4], indices: Uint32Array.of(0, 1), values: Float32Array.of(1, 0.25) },
      { name: 's', shape: [], indices: Uint32Array.of(0), values: Float32Array.of(-1) },
    ] }), 3);
    return agg.encodePartial();
  }

  test.each(BACKENDS)('encodes byte for byte and decodes to the documented sums (%s)', (backend) => {
    onBackend(backend, () => {
      const bytes = golden();
      if (process.env.DGP_WRITE_GOLDEN) fs.writeFileSync(file, bytes);
      expect(Buffer.from(bytes).equals(fs.readFileSync(file))).toBe(true);
      expect(bytes.length).toBe(91);
      const p = decodePartial(bytes);
      expect(p).toMatchObject({ round: 7, of: 'update', positionsId: 0, clients: 2, totalWeight: 4 });
      expect(p.layers.map((l) => [l.name, l.shape, [...l.sums]])).toEqual([['b', [4], [3, 1.25, 0, -2]], ['s', [], [39]]]);
      const agg = new Aggregator({ reduce: 'mean', maxElements: 100 });
      agg.merge(bytes);
      expect(agg.result().map((l) => [...l.values])).toEqual([[0.75, 0.3125, 0, -0.5], [9.75]]);
    });
  });
});
