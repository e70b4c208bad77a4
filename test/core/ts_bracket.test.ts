/**
 * The TypeScript backend's sample-bracketed search for large layers (findCutBracketed in the
 * TypeScript selection kernels): wherever it answers, its cut equals the exact radix path's, and
 * the public path (findCut, selectLayers on 'ts') stays bit-identical with the slow reference
 * (SPEC §1) from the threshold up: every input distribution of the shared generator (ties, ±0,
 * subnormals, the full float range), inputs built so the sample misjudges a cut, candidate lists
 * that overflow, and NaN/Inf anywhere. Also writeCodes's index-range form of the tie rule, with
 * ties split at both cuts and codes at every byte offset.
 */
import { selectLayers } from '../../src';
import {
  BRACKET_MIN, bracketSampleAt, bracketSampleSize, findCut, findCutBracketed, findCutExact, writeCodes,
} from '../../src/backends/ts/select';
import { countCases, DISTS, firstDifference, makeInput, referenceCodes, rng } from '../helpers/reference';

const bitsOf = (v: Float32Array) => new Uint32Array(v.buffer, v.byteOffset, v.length);

function cases(n: number): Array<[number, number]> {
  return [
    ...countCases(n),
    [Math.floor(n * 0.01), 0],
    [0, Math.floor(n * 0.8)],
    [1, 1],
    [n - 1, 0],
    [0, n - 1],
    [Math.floor(n * 0.2), Math.floor(n * 0.2)],
    [Math.floor(n * 0.001), Math.floor(n * 0.999)],
  ].filter(([t, b]) => t + b <= n) as Array<[number, number]>;
}

/** Bracketed and exact agree wherever the bracketed path answers; returns whether it did. */
function sameCut(values: Float32Array, kTop: number, kBottom: number, where: string): boolean {
  const bits = bitsOf(values);
  const b = findCutBracketed(bits, kTop, kBottom);
  const e = findCutExact(bits, kTop, kBottom);
  if (b !== null) expect({ where, cut: b }).toEqual({ where, cut: e });
  expect({ where, cut: findCut(values, kTop, kBottom) }).toEqual({ where, cut: e });
  return b !== null;
}

function expectReference(values: Float32Array, kTop: number, kBottom: number, where: string): void {
  const [out] = selectLayers([{ values, kTop, kBottom }], { codes: true }, 'test', 'ts');
  expect({ where, at: firstDifference(out.codes!, referenceCodes(values, kTop, kBottom)) }).toEqual({ where, at: -1 });
}

describe.each(DISTS)('%s input', (dist) => {
  test('from the threshold up: bracketed cut = exact cut, codes = reference', () => {
    let answered = 0;
    for (const n of [BRACKET_MIN, BRACKET_MIN + 1, BRACKET_MIN + 4097]) {
      const values = makeInput(dist, n, n + 17);
      for (const [kTop, kBottom] of cases(n)) if (sameCut(values, kTop, kBottom, `${dist} n=${n} ${kTop}/${kBottom}`)) answered++;
      expectReference(values, Math.floor(n * 0.01), Math.floor(n * 0.8), `${dist} n=${n}`);
    }
    // Distinct-enough inputs take the bracketed path for the common ratios (not only the fallback).
    if (dist === 'lognormal' || dist === 'uniform' || dist === 'fullRange') expect(answered).toBeGreaterThan(10);
  });
});

test('a view with a byte offset and 10^6 elements', () => {
  const n = 1_000_000;
  const backing = makeInput('lognormal', n + 3, 5);
  const values = backing.subarray(3);
  for (const [kTop, kBottom] of cases(n)) sameCut(values, kTop, kBottom, `view ${kTop}/${kBottom}`);
  expect(sameCut(values, n / 100, (n * 8) / 10, 'view 1%/80%')).toBe(true);
});

test('a sample that misjudges the cuts: the exact path answers, bit-identical', () => {
  const n = BRACKET_MIN * 2;
  const s = bracketSampleSize(n);
  const r = rng(77);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (r() < 0.5 ? -1 : 1) * (1 + r());
  // Every sampled key tiny: both intervals sit far below the real cuts.
  for (let j = 0; j < s; j++) values[bracketSampleAt(n, s, j)] = 1e-30 * (1 + r());
  const kTop = Math.floor(n / 100);
  const kBottom = Math.floor((n * 8) / 10);
  expect(findCutBracketed(bitsOf(values), kTop, kBottom)).toBeNull();
  sameCut(values, kTop, kBottom, 'misjudged');
  expectReference(values, kTop, kBottom, 'misjudged');
  // Every sampled key huge: the top list would hold the whole layer.
  for (let j = 0; j < s; j++) values[bracketSampleAt(n, s, j)] = 1e30 * (1 + r());
  sameCut(values, kTop, kBottom, 'misjudged high');
  expectReference(values, kTop, kBottom, 'misjudged high');
});

test('candidate lists that overflow their cap: the exact path answers', () => {
  const n = BRACKET_MIN * 2;
  const s = bracketSampleSize(n);
  const r = rng(78);
  const values = new Float32Array(n);
  const sampled = new Uint8Array(n);
  for (let j = 0; j < s; j++) sampled[bracketSampleAt(n, s, j)] = 1;
  // Sampled elements spread out; every other element equals one magnitude at the 80% cut, so
  // the bottom interval holds most of the layer though the sample expects a few percent.
  for (let i = 0; i < n; i++) values[i] = sampled[i] ? (r() < 0.5 ? -1 : 1) * r() : (i % 2 ? -0.8 : 0.8);
  const kTop = Math.floor(n / 100);
  const kBottom = Math.floor((n * 8) / 10);
  expect(findCutBracketed(bitsOf(values), kTop, kBottom)).toBeNull();
  sameCut(values, kTop, kBottom, 'overflow');
  expectReference(values, kTop, kBottom, 'overflow');
});

test('ties at both cuts, ±0 and subnormals around them', () => {
  const n = BRACKET_MIN + 1000;
  const r = rng(79);
  const values = new Float32Array(n);
  const bits = bitsOf(values);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < 0.3) values[i] = r() < 0.5 ? -0 : 0;
    else if (u < 0.6) bits[i] = (Math.floor(r() * 16) | (r() < 0.5 ? 0x80000000 : 0)) >>> 0; // 16 subnormals
    else if (u < 0.9) values[i] = r() < 0.5 ? -2 : 2;
    else values[i] = r();
  }
  for (const [kTop, kBottom] of [
    [Math.floor(n * 0.05), Math.floor(n * 0.4)],
    [Math.floor(n * 0.05), Math.floor(n * 0.5)],
    [Math.floor(n * 0.2), Math.floor(n * 0.2)],
    [Math.floor(n * 0.01), Math.floor(n * 0.8)],
  ]) {
    sameCut(values, kTop, kBottom, `ties ${kTop}/${kBottom}`);
    expectReference(values, kTop, kBottom, `ties ${kTop}/${kBottom}`);
  }
});

test('NaN or ±Infinity anywhere: the first one is reported', () => {
  const n = BRACKET_MIN + 5;
  const base = makeInput('lognormal', n, 80);
  const s = bracketSampleSize(n);
  for (const at of [[0], [n - 1], [12345, 200000], [bracketSampleAt(n, s, 7)], [777, 3]]) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const values = base.slice();
      for (const i of at) values[i] = bad;
      for (const [kTop, kBottom] of [[n / 100, 0], [0, n / 2], [Math.floor(n * 0.01), Math.floor(n * 0.8)], [1, 1]]) {
        const first = Math.min(...at);
        expect(findCut(values, Math.floor(kTop), Math.floor(kBottom))).toEqual({ badIndex: first });
        const b = findCutBracketed(bitsOf(values), Math.floor(kTop), Math.floor(kBottom));
        if (b !== null) expect(b).toEqual({ badIndex: first });
      }
    }
  }
});

test('writeCodes by index ranges: ties split at both cuts, codes at any byte offset', () => {
  const r = rng(81);
  for (const n of [5, 17, 1000, 4099, 70_000]) {
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = [0, -0, 0.5, -0.5, 1, 2, -2][Math.floor(r() * 7)];
    for (const [kTop, kBottom] of [...cases(n), [Math.floor(n / 7), Math.floor(n / 3)], [Math.floor(n / 3), Math.floor(n / 7)]]) {
      const expected = referenceCodes(values, kTop, kBottom);
      const cut = findCut(values, kTop, kBottom);
      if ('badIndex' in cut) throw new Error('unexpected bad value');
      for (const offset of [0, 1, 2, 3]) {
        const backing = new Uint8Array(n + 8).fill(9);
        const codes = backing.subarray(offset, offset + n);
        writeCodes(values, cut, codes);
        const where = `n=${n} ${kTop}/${kBottom} offset ${offset}`;
        expect({ where, at: firstDifference(codes, expected) }).toEqual({ where, at: -1 });
        expect({ where, guard: backing[offset + n] }).toEqual({ where, guard: 9 });
      }
    }
  }
});
