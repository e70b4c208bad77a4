/**
 * Equivalence: native (1 thread and all threads) vs TypeScript vs the slow reference, on random
 * and adversarial inputs, every output form (codes, pruned, sparse), views with byte offsets.
 */
import { backendInfo, dualTopBottomK, selectLayers, setBackend, setThreads, LayerInput } from '../../src';
import { CPU_BACKENDS } from '../helpers/backends';
import { countCases, DISTS, firstDifference, makeInput, NATIVE_REQUIRED, referenceCodes, sameBits } from '../helpers/reference';

const nativeAvailable = backendInfo().available.native;
const backends = CPU_BACKENDS;

test('the native backend is built where it is required', () => {
  if (NATIVE_REQUIRED) expect(backendInfo().available.native).toBe(true);
  else if (!nativeAvailable) console.warn('native backend not built: only the TypeScript backend is tested');
});

function expectSelection(values: Float32Array, kTop: number, kBottom: number, label: string): void {
  const expected = referenceCodes(values, kTop, kBottom);
  const keptIdx: number[] = [];
  expected.forEach((c, i) => c === 1 && keptIdx.push(i));
  for (const backend of backends) {
    for (const threads of backend === 'native' ? [1, 0] : [0]) {
      setThreads(threads);
      const [out] = selectLayers([{ values, kTop, kBottom }], { codes: true, pruned: true, sparse: true }, 'test', backend);
      const where = `${label} n=${values.length} kTop=${kTop} kBottom=${kBottom} ${backend}/${threads}`;
      expect({ where, at: firstDifference(out.codes!, expected) }).toEqual({ where, at: -1 });
      expect({ where, at: firstDifference(out.keptIndices!, keptIdx) }).toEqual({ where, at: -1 });
      const keptVals = Float32Array.from(keptIdx, (i) => values[i]);
      expect({ where, same: sameBits(out.keptValues!, keptVals) }).toEqual({ where, same: true });
      const pruned = new Float32Array(values.length);
      keptIdx.forEach((i) => (pruned[i] = values[i]));
      expect({ where, same: sameBits(out.pruned!, pruned) }).toEqual({ where, same: true });
    }
  }
  setThreads(0);
}

describe.each(DISTS)('%s input', (dist) => {
  test.each([0, 1, 2, 3, 17, 1000, 4099])('n = %i, all count edges', (n) => {
    const values = makeInput(dist, n, n * 31 + 7);
    for (const [kTop, kBottom] of countCases(n)) expectSelection(values, kTop, kBottom, dist);
  });
});

test('layers split across threads (n = 300000 and 10^6) match the reference', () => {
  for (const dist of ['lognormal', 'tiesAtThreshold', 'allEqual', 'fewValues'] as const) {
    for (const n of [300_000, 1_000_000]) {
      const values = makeInput(dist, n, n + dist.length);
      expectSelection(values, Math.floor(n * 0.01), Math.floor(n * 0.8), dist);
      expectSelection(values, Math.floor(n / 3), n - Math.floor(n / 3), dist);
    }
  }
});

test('a layer of 10^7 elements: native and TypeScript agree bit for bit', () => {
  const n = 10_000_000;
  for (const dist of ['lognormal', 'allEqual'] as const) {
    const values = makeInput(dist, n, 99);
    const job = [{ values, kTop: n / 100, kBottom: (n * 8) / 10 }];
    const [ts] = selectLayers(job, { codes: true, sparse: true }, 'test', 'ts');
    let kept = 0;
    for (let i = 0; i < n; i++) kept += ts.codes![i] === 1 ? 1 : 0;
    expect(kept).toBe(n - n / 100 - (n * 8) / 10);
    for (const backend of backends.filter((b) => b !== 'ts')) {
      const [nat] = selectLayers(job, { codes: true, sparse: true }, 'test', backend);
      expect(firstDifference(nat.codes!, ts.codes!)).toBe(-1);
      expect(firstDifference(nat.keptIndices!, ts.keptIndices!)).toBe(-1);
      expect(sameBits(nat.keptValues!, ts.keptValues!)).toBe(true);
    }
  }
});

test('views with a non-zero byte offset select their own elements only', () => {
  const base = makeInput('lognormal', 5000, 3);
  const view = base.subarray(123, 4123);
  const copy = Float32Array.from(view);
  for (const backend of backends) {
    const [a] = selectLayers([{ values: view, kTop: 40, kBottom: 3000 }], { codes: true, sparse: true }, 'test', backend);
    const [b] = selectLayers([{ values: copy, kTop: 40, kBottom: 3000 }], { codes: true, sparse: true }, 'test', backend);
    expect(firstDifference(a.codes!, b.codes!)).toBe(-1);
    expect(firstDifference(a.keptIndices!, b.keptIndices!)).toBe(-1);
    expect(firstDifference(a.codes!, referenceCodes(copy, 40, 3000))).toBe(-1);
  }
});

test('a batch of many layers with their own counts equals layer-by-layer selection', () => {
  const layers: LayerInput[] = [];
  for (let l = 0; l < 150; l++) {
    const n = (l * 7919) % 3000;
    const values = makeInput(l % 2 ? 'lognormal' : 'fewValues', n, l);
    layers.push({ name: `w${l}`, values, kTop: Math.floor(n * 0.02), kBottom: Math.floor(n * 0.7) });
  }
  layers.push({ name: 'big', values: makeInput('lognormal', 600_000, 5), kTop: 6000, kBottom: 480_000 });
  for (const backend of backends) {
    const outs = selectLayers(layers, { codes: true }, 'test', backend);
    layers.forEach((l, i) => expect(firstDifference(outs[i].codes!, referenceCodes(l.values, l.kTop, l.kBottom))).toBe(-1));
  }
});

test('inputs are never modified', () => {
  const values = makeInput('signedZeros', 10_000, 11);
  const before = Float32Array.from(values);
  for (const backend of backends) selectLayers([{ values, kTop: 100, kBottom: 5000 }], { codes: true, pruned: true, sparse: true }, 'test', backend);
  expect(sameBits(values, before)).toBe(true);
});

test('-0 and +0 are equal magnitudes: ties go to the lower index', () => {
  const values = new Float32Array([-0, 0, -0, 0, 1, -1]);
  for (const backend of backends) {
    const [o] = selectLayers([{ values, kTop: 1, kBottom: 3 }], { codes: true }, 'test', backend);
    // Rank order: index 4 (|1|), 5 (|-1|), then zeros 0,1,2,3. Top = {4}; bottom = last 3 ranks = {1,2,3}.
    expect(Array.from(o.codes!)).toEqual([1, 0, 0, 0, 2, 1]);
  }
});

describe('caller-owned outputs (out)', () => {
  test('are filled in place, reused across calls, and equal fresh outputs', () => {
    const values = makeInput('lognormal', 20_000, 21);
    const kTop = 200, kBottom = 16_000, kept = 20_000 - kTop - kBottom;
    const out = { codes: new Uint8Array(20_000), pruned: new Float32Array(20_000), keptIndices: new Uint32Array(kept), keptValues: new Float32Array(kept) };
    for (const backend of backends) {
      out.codes.fill(9);
      const [o] = selectLayers([{ values, kTop, kBottom, out }], { codes: true, pruned: true, sparse: true }, 'test', backend);
      expect(o.codes).toBe(out.codes);
      expect(o.keptIndices).toBe(out.keptIndices);
      const [fresh] = selectLayers([{ values, kTop, kBottom }], { codes: true, pruned: true, sparse: true }, 'test', backend);
      expect(firstDifference(out.codes, fresh.codes!)).toBe(-1);
      expect(firstDifference(out.keptIndices, fresh.keptIndices!)).toBe(-1);
      expect(sameBits(out.pruned, fresh.pruned!)).toBe(true);
      expect(sameBits(out.keptValues, fresh.keptValues!)).toBe(true);
    }
    const codes = new Uint8Array(20_000);
    expect(dualTopBottomK(values, kTop, kBottom, codes)).toBe(codes);
  });

  test('wrong types, lengths and overlaps are rejected before anything runs', () => {
    const values = new Float32Array(10).fill(1);
    const call = (out: unknown) => () => selectLayers([{ name: 'w', values, kTop: 1, kBottom: 1, out: out as never }], { codes: true, sparse: true }, 'test');
    expect(call({ codes: new Uint8Array(9) })).toThrow(new RangeError("test: layer 'w' out.codes must hold 10 elements, got Uint8Array(9)"));
    expect(call({ codes: new Int8Array(10) })).toThrow(new TypeError("test: layer 'w' out.codes must be a Uint8Array, got Int8Array(10)"));
    expect(call({ keptValues: values.subarray(0, 8) })).toThrow(/out.keptValues overlaps layer 'w' values/);
    const shared = new ArrayBuffer(64);
    expect(call({ keptIndices: new Uint32Array(shared, 0, 8), keptValues: new Float32Array(shared, 16, 8) })).toThrow(/out\.keptIndices overlaps layer 'w' out\.keptValues|out\.keptValues overlaps layer 'w' out\.keptIndices/);
    expect(call(5)).toThrow(/out must be an object of output arrays, got 5/);
  });
});

test('codes written into an unaligned caller array (byte offset 1) are the same', () => {
  const values = makeInput('tiesAtThreshold', 10_003, 31);
  const want = referenceCodes(values, 100, 8000);
  for (const backend of backends) {
    const codes = new Uint8Array(new ArrayBuffer(10_004), 1, 10_003);
    selectLayers([{ values, kTop: 100, kBottom: 8000, out: { codes } }], { codes: true }, 'test', backend);
    expect(firstDifference(codes, want)).toBe(-1);
  }
});

describe('dualTopBottomK (one layer, positional kernel call)', () => {
  afterEach(() => setBackend('auto'));

  test.each(backends)('equals the reference on %s, fresh and caller-owned codes, at every small size', (backend) => {
    setBackend(backend);
    for (const dist of DISTS)
      for (const n of [1, 2, 15, 16, 17, 63, 64, 65, 100, 250, 4099, 1 << 15, (1 << 15) + 1, 70_000]) {
        const values = makeInput(dist, n, 7 * n + dist.length);
        for (const [kTop, kBottom] of [[0, 0], [Math.floor(n / 100), Math.floor(0.8 * n)], [1, n - 1], [n, 0]]) {
          const want = referenceCodes(values, kTop, kBottom);
          const where = `${backend} ${dist} n=${n} kTop=${kTop} kBottom=${kBottom}`;
          expect({ where, at: firstDifference(dualTopBottomK(values, kTop, kBottom), want) }).toEqual({ where, at: -1 });
          const backing = new Uint8Array(n + 3).fill(9);
          const out = backing.subarray(1, n + 1);
          expect(dualTopBottomK(values, kTop, kBottom, out)).toBe(out);
          expect({ where, at: firstDifference(out, want) }).toEqual({ where, at: -1 });
          expect([backing[0], backing[n + 1], backing[n + 2]]).toEqual([9, 9, 9]);
        }
      }
  });

  test.each(backends)('on %s a NaN names its index and leaves caller-owned codes untouched', (backend) => {
    setBackend(backend);
    for (const n of [10, 100, 5000]) {
      const values = makeInput('lognormal', n, n);
      values[n - 3] = NaN;
      const out = new Uint8Array(n).fill(7);
      expect(() => dualTopBottomK(values, 1, 2, out)).toThrow(new RangeError(`dualTopBottomK: layer 0 holds NaN at index ${n - 3}; gradients must be finite`));
      expect(out.every((c) => c === 7)).toBe(true);
      expect(() => dualTopBottomK(values, 1, 2)).toThrow(`index ${n - 3}`);
    }
  });

  test('values at a byte offset, and a subclass whose own properties lie, select their real elements', () => {
    class Lying extends Float32Array {
      get length(): number { return 2; }
    }
    const backing = makeInput('lognormal', 101, 5);
    const view = new Float32Array(backing.buffer, 4, 100);
    const lying = new Lying(backing.buffer as ArrayBuffer, 4, 100);
    const want = referenceCodes(view, 3, 50);
    for (const backend of backends) {
      setBackend(backend);
      expect(firstDifference(dualTopBottomK(view, 3, 50), want)).toBe(-1);
      expect(firstDifference(dualTopBottomK(lying, 3, 50), want)).toBe(-1);
    }
  });
});
