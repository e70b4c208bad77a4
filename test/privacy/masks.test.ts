/**
 * The secure-aggregation kernels (SPEC §12; issue 21 asks 2 and 5): maskAdd, quantizeStochastic
 * and modularAdd give the same bits on every backend, match a slow reference written from their
 * definitions (the RFC 8439 keystream from chacha20Blocks, whose vectors random.test.ts checks),
 * refuse out-of-bounds calls before writing, and the rounding is unbiased.
 */
import { randomKernelBackends } from './random_backends';
import { tsKernels } from '../../src/backends/ts/kernels';
import { mulberry32, seededUniform } from '../../shared-dev/seeded';

const KEY = Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 0xdeadbeef]);
const NONCE = Uint32Array.from([9, 0, 0x80000000]);

/** The keystream words [0, n) from block counter, by the RFC-checked block kernel. */
function keystream(counter: number, n: number): Uint32Array {
  const out = new Uint32Array(Math.ceil(n / 16) * 16);
  tsKernels.chacha20Blocks(KEY, NONCE, counter, out);
  return out.subarray(0, n);
}

function randomWords(n: number, seed: number): Uint32Array {
  const next = mulberry32(seed);
  return Uint32Array.from({ length: n }, () => next());
}

/** Values in ±5 (every seventh in ±5e-6), so some are clamped by a bound of 2.5 and most are not. */
function randomValues(n: number, seed: number): Float32Array {
  const next = seededUniform(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (next() - 0.5) * 10 * (i % 7 === 0 ? 1e-6 : 1);
  return v;
}

describe.each(randomKernelBackends())('secure-aggregation kernels on %s', (_name, k) => {
  test.each([0, 1, 15, 16, 17, 1000, 4099])('maskAdd of %i words adds and subtracts the keystream mod 2^32', (n) => {
    const start = randomWords(n, n + 1);
    const ks = keystream(7, n);
    const acc = start.slice();
    k.maskAdd(KEY, NONCE, 7, false, acc);
    for (let i = 0; i < n; i++) expect(acc[i]).toBe((start[i] + ks[i]) >>> 0);
    k.maskAdd(KEY, NONCE, 7, true, acc);
    expect(acc).toEqual(start);
  });

  test('maskAdd refuses a key, nonce or counter out of bounds, writing nothing', () => {
    const acc = new Uint32Array(33).fill(5);
    expect(() => k.maskAdd(KEY.subarray(1), NONCE, 0, false, acc)).toThrow(/out of bounds/);
    expect(() => k.maskAdd(KEY, NONCE.subarray(1), 0, false, acc)).toThrow(/out of bounds/);
    expect(() => k.maskAdd(KEY, NONCE, 2 ** 32, false, acc)).toThrow(/out of bounds/);
    expect(() => k.maskAdd(KEY, NONCE, 2 ** 32 - 2, false, acc)).toThrow(/would wrap/); // 3 blocks from 2^32 - 2
    expect(acc.every((w) => w === 5)).toBe(true);
    k.maskAdd(KEY, NONCE, 2 ** 32 - 1, false, acc.subarray(0, 16)); // the last block is allowed
  });

  test.each([0, 1, 7, 8, 9, 1001])('quantizeStochastic of %i values follows its definition', (n) => {
    const values = randomValues(n, 3 * n + 1);
    const bound = 2.5, inverseStep = 1000.5;
    const out = new Int32Array(n);
    expect(k.quantizeStochastic(KEY, NONCE, 11, values, bound, inverseStep, out)).toBe(-1);
    const ks = keystream(11, 2 * n);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      const y = Math.min(bound, Math.max(-bound, x)) * inverseStep;
      const f = Math.floor(y);
      const u = (ks[2 * i] >>> 11) * 2 ** 32 + ks[2 * i + 1];
      expect(out[i]).toBe(u < (y - f) * 2 ** 53 ? f + 1 : f);
    }
  });

  test('quantizeStochastic reports the first NaN/Inf and leaves out untouched', () => {
    const values = Float32Array.from([1, 2, Infinity, NaN]);
    const out = new Int32Array(4).fill(9);
    expect(k.quantizeStochastic(KEY, NONCE, 0, values, 4, 10, out)).toBe(2);
    expect(Array.from(out)).toEqual([9, 9, 9, 9]);
  });

  test('quantizeStochastic refuses a grid whose integers would not fit int32, or a short out', () => {
    const out = new Int32Array(2);
    expect(() => k.quantizeStochastic(KEY, NONCE, 0, new Float32Array(2), 1, 2 ** 31, out)).toThrow(/out of bounds/);
    expect(() => k.quantizeStochastic(KEY, NONCE, 0, new Float32Array(2), -1, 2, out)).toThrow(/out of bounds/);
    expect(() => k.quantizeStochastic(KEY, NONCE, 0, new Float32Array(3), 1, 2, out)).toThrow(/out of bounds/);
  });

  test('modularAdd wraps mod 2^32 both ways and refuses unequal lengths', () => {
    const a = Uint32Array.from([0xffffffff, 0, 5]);
    k.modularAdd(a, Uint32Array.from([2, 1, 0xffffffff]), false);
    expect(Array.from(a)).toEqual([1, 1, 4]);
    k.modularAdd(a, Uint32Array.from([2, 1, 0xffffffff]), true);
    expect(Array.from(a)).toEqual([0xffffffff, 0, 5]);
    expect(() => k.modularAdd(a, new Uint32Array(2), false)).toThrow(/out of bounds/);
  });
});

test('every backend gives the same bits on a large call (masks, quantization, sums)', () => {
  const backends = randomKernelBackends();
  const n = 100003;
  const values = randomValues(n, 77);
  const results = backends.map(([, k]) => {
    const acc = randomWords(n, 5);
    k.maskAdd(KEY, NONCE, 123, false, acc);
    const q = new Int32Array(n);
    k.quantizeStochastic(KEY, NONCE, 999, values, 1.25, 12345.678, q);
    k.modularAdd(acc, new Uint32Array(q.buffer), true);
    return acc;
  });
  for (const r of results.slice(1)) expect(Buffer.from(r.buffer).equals(Buffer.from(results[0].buffer))).toBe(true);
});

test('stochastic rounding is unbiased: the mean of many roundings of one value is the value', () => {
  const n = 200000;
  const values = new Float32Array(n).fill(0.3);
  const out = new Int32Array(n);
  tsKernels.quantizeStochastic(KEY, NONCE, 0, values, 1, 1, out);
  const mean = out.reduce((s, v) => s + v, 0) / n;
  // Bernoulli(0.3 in float32): sd of the mean sqrt(0.21 / n) = 1.02e-3; 5 sd
  expect(Math.abs(mean - Math.fround(0.3))).toBeLessThan(5.2e-3);
  expect(out.every((v) => v === 0 || v === 1)).toBe(true);
});
