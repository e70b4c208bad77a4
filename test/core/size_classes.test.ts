/**
 * The kernels' size classes (native/core/dual_select.h, src/backends/ts/select.ts): whole-layer
 * ranking up to 16 elements, the 8-bit-digit small path up to 2^15, the 2048-bin radix path, and
 * splitting across threads from 2^18. Both sides of every boundary, on every backend (the wasm
 * module is the same C++), against
 * the slow reference; many small layers in one call; outputs carved from one buffer.
 */
import { backendInfo, selectLayers, setThreads, LayerInput } from '../../src';
import { countCases, firstDifference, makeInput, referenceCodes, rng, sameBits, Dist } from '../helpers/reference';

const info = backendInfo();
const backends: Array<'ts' | 'native' | 'wasm'> = [
  'ts',
  ...(info.available.native ? (['native'] as const) : []),
  ...(info.available.wasm ? (['wasm'] as const) : []),
];
const SORT_MAX = 16;
const SMALL_MAX = 1 << 15;
const SPLIT_MIN = 1 << 18;

afterEach(() => setThreads(0));

function check(values: Float32Array, kTop: number, kBottom: number, label: string): void {
  const expected = referenceCodes(values, kTop, kBottom);
  for (const backend of backends)
    for (const threads of backend === 'native' ? [1, 2] : [0]) {
      setThreads(threads);
      const [o] = selectLayers([{ values, kTop, kBottom }], { codes: true }, 'test', backend);
      const where = `${label} n=${values.length} kTop=${kTop} kBottom=${kBottom} ${backend}/${threads}`;
      expect({ where, at: firstDifference(o.codes!, expected) }).toEqual({ where, at: -1 });
    }
}

const dists: Dist[] = ['lognormal', 'fewValues', 'tiesAtThreshold', 'allEqual', 'subnormals'];

test.each([SORT_MAX - 1, SORT_MAX, SORT_MAX + 1, 255, 256, 257])('tiny layers n = %i: every count pair', (n) => {
  for (const dist of dists) {
    const values = makeInput(dist, n, 17 * n + dist.length);
    const expected: Array<[number, number]> = [];
    for (let kTop = 0; kTop <= n; kTop += n > 20 ? 29 : 1)
      for (let kBottom = 0; kTop + kBottom <= n; kBottom += n > 20 ? 23 : 1) expected.push([kTop, kBottom]);
    for (const [kTop, kBottom] of expected) check(values, kTop, kBottom, dist);
  }
});

test.each([SMALL_MAX - 1, SMALL_MAX, SMALL_MAX + 1, SPLIT_MIN - 1, SPLIT_MIN, SPLIT_MIN + 1])(
  'n = %i (a size-class boundary), count edges',
  (n) => {
    for (const dist of (n < SPLIT_MIN - 1 ? ['lognormal', 'tiesAtThreshold', 'fewValues'] : ['tiesAtThreshold']) as Dist[]) {
      const values = makeInput(dist, n, n + 3);
      const cases = countCases(n);
      for (const [kTop, kBottom] of n < SPLIT_MIN - 1 ? cases.slice(0, 4) : [cases[3]]) check(values, kTop, kBottom, dist);
    }
  },
);

test('a thousand small layers in one call: every backend and output equals the reference', () => {
  const r = rng(5);
  const dl: Dist[] = ['lognormal', 'fewValues', 'allEqual', 'signedZeros', 'fullRange', 'tiesAtThreshold'];
  const layers: LayerInput[] = [];
  for (let l = 0; l < 1000; l++) {
    const n = Math.floor(r() * 300);
    const kTop = Math.floor(r() * (n / 10 + 1));
    const kBottom = Math.floor(r() * (n - kTop + 1));
    layers.push({ values: makeInput(dl[l % dl.length], n, l), kTop, kBottom });
  }
  for (const backend of backends)
    for (const threads of backend === 'native' ? [1, 2] : [0]) {
      setThreads(threads);
      const outs = selectLayers(layers, { codes: true, pruned: true, sparse: true }, 'test', backend);
      layers.forEach((L, l) => {
        const expected = referenceCodes(L.values, L.kTop, L.kBottom);
        const where = `layer ${l} ${backend}/${threads}`;
        expect({ where, at: firstDifference(outs[l].codes!, expected) }).toEqual({ where, at: -1 });
        const keptIdx: number[] = [];
        expected.forEach((c, i) => c === 1 && keptIdx.push(i));
        expect({ where, at: firstDifference(outs[l].keptIndices!, keptIdx) }).toEqual({ where, at: -1 });
        expect(sameBits(outs[l].keptValues!, Float32Array.from(keptIdx, (i) => L.values[i]))).toBe(true);
        const pruned = new Float32Array(L.values.length);
        keptIdx.forEach((i) => (pruned[i] = L.values[i]));
        expect(sameBits(outs[l].pruned!, pruned)).toBe(true);
      });
    }
});

test('outputs of small layers share one buffer without overlapping; large layers get their own', () => {
  const small = [5, 17, 300, 4096].map((n, i) => ({ values: makeInput('lognormal', n, i), kTop: 1, kBottom: n >> 1 }));
  const large = { values: makeInput('lognormal', (1 << 16) + 1, 9), kTop: 10, kBottom: 1000 };
  for (const backend of backends) {
    const outs = selectLayers([...small, large], { codes: true, pruned: true, sparse: true }, 'test', backend);
    const views = outs.slice(0, 4).flatMap((o) => [o.codes!, o.pruned!, o.keptIndices!, o.keptValues!]);
    expect(new Set(views.map((v) => v.buffer)).size).toBe(1);
    const spans = views.map((v) => [v.byteOffset, v.byteOffset + v.byteLength]).sort((a, b) => a[0] - b[0]);
    spans.forEach((s, i) => {
      expect(s[0] % 8).toBe(0);
      if (i > 0) expect(s[0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    });
    const bigViews = [outs[4].codes!, outs[4].pruned!, outs[4].keptIndices!, outs[4].keptValues!];
    for (const v of bigViews) {
      expect(v.buffer).not.toBe(views[0].buffer);
      expect(v.byteOffset).toBe(0);
    }
  }
});

test('a NaN in one of many small layers names that layer and index; nothing else is reported', () => {
  const layers: LayerInput[] = [];
  for (let l = 0; l < 200; l++) layers.push({ values: makeInput('lognormal', 40, l), kTop: 1, kBottom: 30 });
  layers[150].values[7] = NaN;
  layers[170].values[0] = Infinity;
  for (const backend of backends) {
    setThreads(2);
    expect(() => selectLayers(layers, { codes: true }, 'test', backend)).toThrow(/layer 150 holds NaN at index 7/);
  }
});
