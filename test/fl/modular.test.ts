/**
 * The Aggregator's modular (secure-aggregation) mode and its wire messages (docs/FORMAT.md kinds 5
 * and 6, docs/FL.md "Modular (secure-aggregation) mode"): exact sums mod 2^32 on every backend,
 * wraparound, partials merged as a tree in any order giving the same bytes, every hostile message
 * refused with the sums bit-identical, golden vectors.
 */
import * as fs from 'fs';
import * as path from 'path';

import {
  Aggregator, decodeIntegerUpdate, decodeModularPartial, decodePositions, DgpFormatError, encodeAligned, encodeIntegerUpdate, encodePositions,
  encodeUpdate, IntegerUpdate, ModularLayer,
} from '../../src/fl';
import { INTEGER_ALIGNED, INTEGER_DENSE, INTEGER_DENSE_2, POSITIONS } from './golden';
import { BACKENDS, bytesEqual, onBackend, reseal, rng } from './helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'wire');
const WRITE = process.env.DGP_WRITE_GOLDEN === '1';
const SHAPES: Array<[string, number[]]> = [['conv/kernel', [3, 3, 4, 8]], ['dense', [40, 30]], ['bias', [30]], ['scalar', []]];
const LAYOUT = SHAPES.map(([name, shape]) => ({ name, shape }));
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function golden(file: string, bytes: Uint8Array): void {
  const p = path.join(FIXTURES, file);
  if (WRITE) fs.writeFileSync(p, bytes);
  expect(bytesEqual(bytes, new Uint8Array(fs.readFileSync(p)))).toBe(true);
}

/** Random u32s, with the extremes (0, 2^32-1, 2^31) over-represented so sums wrap often. */
function u32s(n: number, seed: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: n }, () => {
    const u = r();
    if (u < 0.1) return 0xffffffff;
    if (u < 0.15) return 0x80000000;
    if (u < 0.2) return 0;
    return Math.floor(r() * 2 ** 32) >>> 0;
  });
}

function denseUpdate(c: number, round = 5): IntegerUpdate {
  return { round, layers: SHAPES.map(([name, shape], i) => ({ name, shape, values: u32s(size(shape), 1000 * c + i) })) };
}

/** The exact sum mod 2^32, by BigInt (independent of the kernels' arithmetic). */
function exactSums(updates: IntegerUpdate[]): Uint32Array[] {
  return updates[0].layers.map((_, li) => {
    const n = updates[0].layers[li].values.length;
    const acc = Array.from({ length: n }, () => 0n);
    for (const u of updates) u.layers[li].values.forEach((v, j) => (acc[j] += BigInt(v)));
    return Uint32Array.from(acc, (x) => Number(x % 2n ** 32n));
  });
}

function snapshot(agg: Aggregator<{ modular: true; maxElements: number }>): { count: number; sums: Uint32Array[] } {
  return { count: agg.count, sums: agg.result().map((l) => l.values) };
}

const REFUSED = ['DgpFormatError', 'TypeError', 'RangeError'];

describe.each(BACKENDS)('modular mode on %s', (backend) => {
  test('sums of many random dense messages equal the exact sum mod 2^32 (add and addAsync)', async () => {
    const updates = Array.from({ length: 40 }, (_, c) => denseUpdate(c));
    const want = exactSums(updates);
    await onBackend(backend, async () => {
      const agg = new Aggregator({ modular: true, maxElements: 1e5 });
      for (let c = 0; c < updates.length; c++) {
        const bytes = encodeIntegerUpdate(updates[c]);
        if (c % 3 === 0) await agg.addAsync(bytes);
        else agg.add(bytes);
      }
      const r: ModularLayer[] = agg.result();
      expect(agg.count).toBe(40);
      expect(agg.round).toBe(5);
      expect(r.map((l) => [l.name, l.shape])).toEqual(SHAPES);
      r.forEach((l, i) => expect(l.values).toEqual(want[i]));
      expect(want[0].some((x, j) => x < updates[0].layers[0].values[j])).toBe(true); // the sums did wrap
    });
  });

  test('aligned messages on positions sum exactly; the positions\' id is the layout', () => {
    onBackend(backend, () => {
      const pos = decodePositions(encodePositions(POSITIONS));
      const agg = new Aggregator({ modular: true, maxElements: 100, layout: pos });
      const updates = Array.from({ length: 9 }, (_, c) => ({ round: 3, positionsId: pos.id, layers: [{ name: 'dense/kernel', values: u32s(5, c) }] }));
      for (const u of updates) agg.add(encodeIntegerUpdate(u));
      expect(agg.result()).toEqual([{ name: 'dense/kernel', shape: null, values: exactSums(updates)[0] }]);
      // The same from an aggregator whose first message fixed the layout.
      const free = new Aggregator({ modular: true, maxElements: 100 });
      for (const u of updates) free.add(encodeIntegerUpdate(u));
      expect(bytesEqual(free.encodePartial(), agg.encodePartial())).toBe(true);
    });
  });

  test('wraparound: 2^32-1 + 2^32-1 = 2^32-2, and 2^32 copies of anything would be 0', () => {
    onBackend(backend, () => {
      const agg = new Aggregator({ modular: true, maxElements: 10, layout: [{ name: 'x', shape: [3] }] });
      const m = encodeIntegerUpdate({ round: 1, layers: [{ name: 'x', shape: [3], values: Uint32Array.of(0xffffffff, 0x80000000, 5) }] });
      agg.add(m);
      agg.add(m);
      expect([...agg.result()[0].values]).toEqual([0xfffffffe, 0, 10]);
      // -v mod 2^32 cancels v: what pairwise masks rely on.
      agg.add(encodeIntegerUpdate({ round: 1, layers: [{ name: 'x', shape: [3], values: Uint32Array.of(2, 0, 0xfffffff6) }] }));
      expect([...agg.result()[0].values]).toEqual([0, 0, 0]);
      expect(agg.count).toBe(3);
    });
  });
});

test('a tree of partials merged in different orders (and on different backends) gives identical bytes', () => {
  const messages = Array.from({ length: 12 }, (_, c) => encodeIntegerUpdate(denseUpdate(c)));
  const flat = new Aggregator({ modular: true, maxElements: 1e5 });
  messages.forEach((m) => flat.add(m));
  const want = flat.encodePartial();
  const groups = [[0, 1, 2], [3, 4], [5, 6, 7, 8], [9], [10, 11]];
  const leaves = groups.map((g, gi) =>
    onBackend(BACKENDS[gi % BACKENDS.length], () => {
      const a = new Aggregator({ modular: true, maxElements: 1e5, layout: LAYOUT });
      g.forEach((c) => a.add(messages[c]));
      return a.encodePartial();
    }),
  );
  const orders = [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]];
  for (const [oi, order] of orders.entries()) {
    const root = onBackend(BACKENDS[oi % BACKENDS.length], () => {
      const r = new Aggregator({ modular: true, maxElements: 1e5 });
      order.forEach((i) => r.merge(leaves[i]));
      return r;
    });
    expect(root.count).toBe(12);
    expect(bytesEqual(root.encodePartial(), want)).toBe(true);
  }
  // Two levels: (0+1) and (2+3+4), then merged.
  const mid = [[0, 1], [2, 3, 4]].map((ix) => {
    const a = new Aggregator({ modular: true, maxElements: 1e5 });
    ix.forEach((i) => a.merge(leaves[i]));
    return a.encodePartial();
  });
  const top = new Aggregator({ modular: true, maxElements: 1e5 });
  top.merge(mid[1]);
  top.merge(mid[0]);
  expect(bytesEqual(top.encodePartial(), want)).toBe(true);
  const decoded = decodeModularPartial(want);
  expect(decoded.clients).toBe(12);
  expect(decoded.layers.map((l) => l.values)).toEqual(exactSums(messages.map((_, c) => denseUpdate(c))));
});

describe('hostile messages are refused and leave result() bit-identical', () => {
  const layout = [{ name: 'b', shape: [2] }, { name: 's', shape: [] }];
  function fresh(): Aggregator<{ modular: true; maxElements: number; layout: typeof layout }> {
    const agg = new Aggregator({ modular: true, maxElements: 100, layout });
    agg.add(encodeIntegerUpdate(INTEGER_DENSE));
    return agg;
  }
  function refused(agg: ReturnType<typeof fresh>, bytes: Uint8Array, message?: RegExp, merge = false): void {
    const before = snapshot(agg);
    let caught: unknown = null;
    try {
      if (merge) agg.merge(bytes);
      else agg.add(bytes);
    } catch (e) {
      caught = e;
    }
    expect(caught).not.toBeNull();
    expect(REFUSED).toContain((caught as Error).name);
    if (message) expect((caught as Error).message).toMatch(message);
    expect(snapshot(agg)).toEqual(before);
  }
  const small = encodeIntegerUpdate(INTEGER_DENSE_2);

  test.each(BACKENDS)('every single-byte flip, every truncation, a trailing byte (%s)', (backend) => {
    onBackend(backend, () => {
      const agg = fresh();
      for (let i = 0; i < small.length; i++)
        for (const x of [0x01, 0x80, 0xff]) {
          const b = small.slice();
          b[i] ^= x;
          refused(agg, b);
          expect(() => decodeIntegerUpdate(b)).toThrow(DgpFormatError);
        }
      for (let n = 0; n < small.length; n++) {
        refused(agg, small.slice(0, n));
        expect(() => decodeIntegerUpdate(small.slice(0, n))).toThrow(DgpFormatError);
      }
      const longer = new Uint8Array(small.length + 1);
      longer.set(small);
      refused(agg, longer, /length mismatch/);
      refused(agg, reseal(longer), /unexpected bytes after the last layer/);
      agg.add(small); // still takes the good message
      expect([...agg.result()[0].values, ...agg.result()[1].values]).toEqual([3, 2, 1]);
    });
  });

  test('wrong kinds say why', () => {
    const agg = fresh();
    refused(agg, encodeUpdate({ round: 9, layers: [{ name: 'b', shape: [2], indices: Uint32Array.of(0), values: Float32Array.of(1) }] }), /per-client positions.*cannot be summed mod 2\^32/);
    const pos = encodePositions(POSITIONS);
    refused(agg, pos, /broadcast, not a client input/);
    refused(agg, encodeAligned({ round: 9, positionsId: 1, layers: [] }), /quantize them to integers/);
    const partial = fresh().encodePartial();
    refused(agg, partial, /use merge\(\)/);
    refused(agg, small, /use add\(\)/, true);
    const float = new Aggregator({ maxElements: 100, layout });
    expect(() => agg.merge(float.encodePartial())).toThrow(/float partial aggregate \(kind 4\)/);
    // A float aggregator refuses kind 5 too.
    expect(() => float.add(small)).toThrow(DgpFormatError);
  });

  test('wrong round, positionsId, layer names, lengths, order, count, duplicated layer', () => {
    const agg = fresh();
    refused(agg, encodeIntegerUpdate({ ...INTEGER_DENSE_2, round: 10 }), /round 10, but this aggregator holds round 9/);
    refused(agg, encodeIntegerUpdate({ round: 9, positionsId: 0x1234, layers: [{ name: 'b', values: Uint32Array.of(1, 2) }, { name: 's', values: Uint32Array.of(3) }] }), /aligned values on positions 0x00001234, but this aggregator sums dense layers/);
    refused(agg, encodeIntegerUpdate({ round: 9, layers: [{ name: 'c', shape: [2], values: Uint32Array.of(1, 2) }, { name: 's', shape: [], values: Uint32Array.of(3) }] }), /layer 0 \('b'\): the message has 'c' shape \[2\], the layout expects 'b' shape \[2\]/);
    refused(agg, encodeIntegerUpdate({ round: 9, layers: [{ name: 'b', shape: [3], values: Uint32Array.of(1, 2, 3) }, { name: 's', shape: [], values: Uint32Array.of(3) }] }), /'b' shape \[3\], the layout expects 'b' shape \[2\]/);
    refused(agg, encodeIntegerUpdate({ round: 9, layers: [{ name: 'b', shape: [1, 2], values: Uint32Array.of(1, 2) }, { name: 's', shape: [], values: Uint32Array.of(3) }] }), /shape \[1,2\]/);
    refused(agg, encodeIntegerUpdate({ round: 9, layers: [{ name: 's', shape: [], values: Uint32Array.of(3) }, { name: 'b', shape: [2], values: Uint32Array.of(1, 2) }] }), /layout expects 'b'/);
    refused(agg, encodeIntegerUpdate({ round: 9, layers: [{ name: 'b', shape: [2], values: Uint32Array.of(1, 2) }] }), /1 layers, the layout has 2/);
    // Two layers named 'b' (the encoder refuses that; craft it and reseal the CRC).
    const two = encodeIntegerUpdate({ round: 9, layers: [{ name: 'b', shape: [2], values: Uint32Array.of(1, 2) }, { name: 'c', shape: [2], values: Uint32Array.of(3, 4) }] });
    const at = two.indexOf(0x63); // 'c'
    const dup = two.slice();
    dup[at] = 0x62;
    refused(agg, reseal(dup), /duplicate layer name/);
    expect(() => decodeIntegerUpdate(reseal(dup))).toThrow(/layer 1 \('b'\): duplicate layer name/);
    // Aligned: another positions' id.
    const pos = decodePositions(encodePositions(POSITIONS));
    const al = new Aggregator({ modular: true, maxElements: 100, layout: pos });
    al.add(encodeIntegerUpdate(INTEGER_ALIGNED(pos.id!)));
    const before = al.result();
    expect(() => al.add(encodeIntegerUpdate(INTEGER_ALIGNED((pos.id! ^ 1) >>> 0)))).toThrow(/made for positions 0x[0-9a-f]{8}, this aggregator's are/);
    expect(() => al.add(encodeIntegerUpdate({ ...INTEGER_DENSE, round: 3 }))).toThrow(/dense layers \(positionsId 0\), but this aggregator sums aligned values/);
    expect(() => al.add(encodeIntegerUpdate({ round: 3, positionsId: pos.id, layers: [{ name: 'dense/kernel', values: new Uint32Array(4) }] }))).toThrow(/'dense\/kernel' with 4 values, the layout expects 'dense\/kernel' 5 values/);
    expect(al.result()).toEqual(before);
  });

  test('hostile partials: flips, truncations, another round or layout; the clients count cannot overflow', () => {
    const agg = fresh();
    const p = fresh().encodePartial();
    for (let i = 0; i < p.length; i++) {
      const b = p.slice();
      b[i] ^= 0x10;
      refused(agg, b, undefined, true);
      refused(agg, p.slice(0, i), undefined, true);
    }
    const other = new Aggregator({ modular: true, maxElements: 100 });
    other.add(encodeIntegerUpdate({ ...INTEGER_DENSE, round: 8 }));
    refused(agg, other.encodePartial(), /round 8/, true);
    const huge = p.slice();
    new DataView(huge.buffer).setUint32(24, 0xffffffff, true); // clients
    refused(agg, reseal(huge), /clients exceed/, true);
    agg.merge(p);
    expect(agg.count).toBe(2);
  });

  test('a first message over maxElements is refused and fixes nothing', () => {
    const agg = new Aggregator({ modular: true, maxElements: 2 });
    expect(() => agg.add(encodeIntegerUpdate(INTEGER_DENSE))).toThrow(/3 elements, more than options.maxElements = 2/);
    expect(() => agg.result()).toThrow(/no layout yet/);
    agg.add(encodeIntegerUpdate({ round: 4, layers: [{ name: 'x', shape: [2], values: Uint32Array.of(1, 2) }] }));
    expect(agg.round).toBe(4);
  });
});

test('options and arguments: reduce, weight, privacy, encoder input', () => {
  expect(() => new Aggregator({ modular: true, maxElements: 1, reduce: 'mean' } as never)).toThrow(RangeError);
  expect(() => new Aggregator({ modular: true, maxElements: 1, privacy: { clipNorm: 1, noiseMultiplier: 1 } } as never)).toThrow(/modular sums carry their noise from the clients/);
  expect(() => new Aggregator({ modular: 'yes', maxElements: 1 } as never)).toThrow(TypeError);
  const agg = new Aggregator({ modular: true, maxElements: 10 });
  const m = encodeIntegerUpdate(INTEGER_DENSE);
  expect(() => agg.add(m, 2)).toThrow(/weight must be 1 in modular mode/);
  expect(() => agg.add(m, 1)).not.toThrow();
  expect(() => agg.resultAligned()).toThrow(TypeError);
  expect(() => encodeIntegerUpdate({ round: 1, layers: [{ name: 'x', shape: [3], values: new Uint32Array(2) }] })).toThrow(RangeError);
  expect(() => encodeIntegerUpdate({ round: 1, layers: [{ name: 'x', count: 2, values: new Uint32Array(2) }] })).toThrow(TypeError);
  expect(() => encodeIntegerUpdate({ round: 1, positionsId: 7, layers: [{ name: 'x', shape: [2], values: new Uint32Array(2) }] })).toThrow(TypeError);
  expect(() => encodeIntegerUpdate({ round: 1, positionsId: 7, layers: [{ name: 'x', count: 3, values: new Uint32Array(2) }] })).toThrow(RangeError);
  expect(() => encodeIntegerUpdate({ round: 1, layers: [{ name: 'x', shape: [1], values: new Float32Array(1) as never }] })).toThrow(TypeError);
  expect(() => encodeIntegerUpdate({ round: 1, layers: [{ name: 'x', shape: [], values: new Uint32Array(1) }, { name: 'x', shape: [], values: new Uint32Array(1) }] })).toThrow(/appears twice/);
  expect(() => encodeIntegerUpdate({ round: 1, positionsId: 2 ** 32, layers: [] })).toThrow(RangeError);
});

describe.each(BACKENDS)('golden vectors on %s', (backend) => {
  test('integer-dense.bin, integer-aligned.bin, modular-partial.bin', () => {
    onBackend(backend, () => {
      const dense = encodeIntegerUpdate(INTEGER_DENSE);
      golden('integer-dense.bin', dense);
      expect(decodeIntegerUpdate(dense)).toEqual({ round: 9, positionsId: 0, layers: INTEGER_DENSE.layers.map((l) => ({ ...l, shape: l.shape })) });
      const id = decodePositions(encodePositions(POSITIONS)).id!;
      const aligned = encodeIntegerUpdate(INTEGER_ALIGNED(id));
      golden('integer-aligned.bin', aligned);
      expect(decodeIntegerUpdate(aligned)).toEqual({ round: 3, positionsId: id, layers: [{ name: 'dense/kernel', shape: null, values: INTEGER_ALIGNED(id).layers[0].values }] });
      const agg = new Aggregator({ modular: true, maxElements: 100, layout: [{ name: 'b', shape: [2] }, { name: 's', shape: [] }] });
      agg.add(dense);
      agg.add(encodeIntegerUpdate(INTEGER_DENSE_2));
      const partial = agg.encodePartial();
      golden('modular-partial.bin', partial);
      expect(decodeModularPartial(partial)).toEqual({
        round: 9, positionsId: 0, clients: 2,
        layers: [{ name: 'b', shape: [2], values: Uint32Array.of(3, 2) }, { name: 's', shape: [], values: Uint32Array.of(1) }],
      });
      const merged = new Aggregator({ modular: true, maxElements: 100 });
      merged.merge(partial);
      expect(merged.result()).toEqual([{ name: 'b', shape: [2], values: Uint32Array.of(3, 2) }, { name: 's', shape: [], values: Uint32Array.of(1) }]);
    });
  });
});
