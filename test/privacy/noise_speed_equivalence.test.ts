/**
 * The discrete-Gaussian sampler's fast paths (issue 20 ask 3: multi-bit Bernoulli decisions, a
 * bit-position keystream over buffered blocks, an exp(-1) table) must not change a single draw
 * nor the blocks consumed: committed evaluation results replay from fixed seeds. Every backend is
 * held to (1) SHA-256 digests of draws and block counts recorded from the implementation before
 * the fast paths (the one-bit-at-a-time sampler of commit 0929a64) and (2) that sampler itself
 * (dg_reference.ts) on random scales, counters and lengths, including the end of the 32-bit
 * block counter, where the stream runs out (-1, out partly written).
 */
import { createHash } from 'crypto';

import { discreteGaussianReference } from './dg_reference';
import { randomKernelBackends } from './random_backends';

const backends = randomKernelBackends();
const KEYS = [Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), Uint32Array.from([0xdeadbeef, 0x12345678, 0, 0xffffffff, 99, 100, 0x80000000, 7])];
const NONCES = [Uint32Array.from([0, 0, 0]), Uint32Array.from([5, 0xabcdef01, 3])];

type Sampler = (key: Uint32Array, nonce: Uint32Array, counter: number, scale: number, out: Int32Array) => number;

/** The digest recorded before the fast paths: draws and returns over several keys, counters, lengths. */
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
  [1, 'ee284f8543348dd0cc3e7960b285d23253b2261e6e444d1ccb2013671089b260'],
  [2, '58884d303cfb59dab652361213cb45e7bf7f3977e35621a65811acd02481ec32'],
  [3, '504a5bd9bb80df3b2c50ffc56fbdda98b641f9bda9af45fd296684cb2604b9e4'],
  [7, '5b4097919e8a31c4883d18a63dafb9e9fdaa4f8c261df535b9136ce528d324ff'],
  [1000, 'e95f7962c23c607d88808c842669a88ef1ec4790d06f43e56ace5261b41c9018'],
  [65536, 'b9d05892e202a7d974393c8bc568fa1aedeb918a88b5dd874e43dfac3a343fb8'],
  [1048575, '13df9914015e4f1c0736ee2445ee2aab436bead9dc890b542e5d768122482ad2'],
  [1048576, '7017c83a22b123c70a19010f6f187bc2289a551a92c9e1c130f68b5cd51cb5c9'],
];

test(`backends under test: ${backends.map((b) => b[0]).join(', ')}`, () => {
  expect(backends.length).toBeGreaterThanOrEqual(2);
});

test.each(PINNED)('scale %d: draws and blocks consumed as recorded before the fast paths', (scale, want) => {
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
