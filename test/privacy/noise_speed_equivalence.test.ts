/**
 * The strip sampler's fast paths (a bit-position keystream over buffered blocks, fields peeked
 * together, a 16-bit fast bound, a pre-test in doubles in TypeScript) must not change a single
 * draw nor the blocks consumed: seeded runs replay. Every backend is held to (1) SHA-256 digests
 * of draws and block counts recorded when the strip sampler replaced the CKS sampler (so any
 * change of the draws is deliberate: evaluation results name the sampler they used) and (2) the
 * plain reference (dg_reference.ts) on random scales, counters and lengths, including the end of
 * the 32-bit block counter, where the stream runs out (-1, out partly written).
 */
import { createHash } from 'crypto';

import { discreteGaussianReference } from './dg_reference';
import { randomKernelBackends } from './random_backends';

const backends = randomKernelBackends();
const KEYS = [Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), Uint32Array.from([0xdeadbeef, 0x12345678, 0, 0xffffffff, 99, 100, 0x80000000, 7])];
const NONCES = [Uint32Array.from([0, 0, 0]), Uint32Array.from([5, 0xabcdef01, 3])];

type Sampler = (key: Uint32Array, nonce: Uint32Array, counter: number, scale: number, out: Int32Array) => number;

/** The digest of draws and returns over several keys, counters, lengths. */
function digest(dg: Sampler, scale: number): string {
  const h = createHash('sha256');
  const rets: number[] = [];
  const add = (out: Int32Array, r: number) => {
    rets.push(r);
    h.update(Buffer.from(out.buffer));
  };
  for (let ki = 0; ki < 2; ki++)
    for (const c of [0, 12345, 0xfffffff0]) {
      const out = new Int32Array(20_000);
      add(out, dg(KEYS[ki], NONCES[ki], c, scale, out));
    }
  for (const n of [0, 1, 2, 3, 17, 100, 1000])
    for (const c of [0, 777, 0xffffffff, 0xfffffffe, 0xffffff00]) {
      const out = new Int32Array(n).fill(12345678);
      add(out, dg(KEYS[1], NONCES[0], c, scale, out));
    }
  for (let c = 0xffffffff - 40; c <= 0xffffffff; c += 3) {
    const out = new Int32Array(5000).fill(-7);
    add(out, dg(KEYS[0], NONCES[1], c, scale, out));
  }
  h.update(JSON.stringify(rets));
  return h.digest('hex');
}

const PINNED: Array<[number, string]> = [
  [1, '6463514c77cc0f7e4e35bc536a9ecef9a49044e3777d20e02fd37869a2913f16'],
  [2, '142e7f5d56eb98b1785189c10effcd24512376b933ab593b829bc3645a6696d4'],
  [3, '3eef99e9f6ed7b0282869d6528fd6a9af39483e2f531bc611c50f6c273a23589'],
  [7, 'f58a20fb3105cd08adcb36fbf09c9636925bd85871067e896fd0db6b4c940d75'],
  [1000, '1b223aa04a7174af5e5d82497fbb6202271b9b78ee19fc6b7bdda21275974a61'],
  [65536, 'a5e36681ff9c346eb244b43a5ad513b7695fc45a0625cb1a18d6d6cfa4c3c805'],
  [1048575, 'f913017586e088678364f986a9226768de3de36fcab693935c5930d5b859ddfc'],
  [1048576, 'c49b1f8713d7584f15018c4be498bceb8a2aa9a0b558fe52a421097a8824d587'],
];

test(`backends under test: ${backends.map((b) => b[0]).join(', ')}`, () => {
  expect(backends.length).toBeGreaterThanOrEqual(2);
});

test.each(PINNED)('scale %d: draws and blocks consumed as recorded', (scale, want) => {
  expect(digest(discreteGaussianReference, scale)).toBe(want);
  for (const [, k] of backends) expect(digest((...a) => k.discreteGaussian(...a), scale)).toBe(want);
});

test('random scales, counters and lengths: every backend gives the reference draws and block counts', () => {
  let seed = 0x9e3779b9;
  const next = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  for (let trial = 0; trial < 160; trial++) {
    const kind = trial % 4;
    // small scales, powers of two, any scale up to 2^20, and near-powers of two
    const e = next() % 21;
    const scale =
      kind === 0 ? 1 + (next() % 16) : kind === 1 ? 2 ** e : kind === 2 ? 1 + (next() % 2 ** 20) : Math.min(2 ** 20, Math.max(1, 2 ** e + ((next() % 3) - 1)));
    const key = Uint32Array.from({ length: 8 }, next);
    const nonce = Uint32Array.from({ length: 3 }, next);
    const counter = trial % 3 === 0 ? 0xffffffff - (next() % 8) : next() % 1000;
    const n = next() % 3000;
    const want = new Int32Array(n).fill(-99);
    const wantUsed = discreteGaussianReference(key, nonce, counter, scale, want);
    for (const [name, k] of backends) {
      const out = new Int32Array(n).fill(-99);
      const used = k.discreteGaussian(key, nonce, counter, scale, out);
      if (used !== wantUsed || !Buffer.from(out.buffer).equals(Buffer.from(want.buffer)))
        throw new Error(`${name}: scale ${scale}, counter ${counter}, n ${n}: differs from the reference (used ${used} vs ${wantUsed})`);
    }
  }
});
