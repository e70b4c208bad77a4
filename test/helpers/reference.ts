/** The slow, obviously-correct reference (SPEC §1 by definition) and shared input generators. */
import { mulberry32 } from '../../eval/rng';

export function keyOf(bits: Uint32Array, i: number): number {
  return bits[i] & 0x7fffffff;
}

/** Sort indices by (|g| descending, index ascending), cut into top / kept / bottom. */
export function referenceCodes(values: Float32Array, kTop: number, kBottom: number): Uint8Array {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => keyOf(bits, b) - keyOf(bits, a) || a - b);
  const codes = new Uint8Array(n).fill(1);
  order.forEach((i, rank) => {
    if (rank < kTop) codes[i] = 2;
    else if (rank >= n - kBottom) codes[i] = 0;
  });
  return codes;
}

/** Deterministic PRNG (mulberry32, the project's one seeded generator) so failures reproduce. */
export const rng = mulberry32;

export type Dist = 'lognormal' | 'uniform' | 'allEqual' | 'fewValues' | 'signedZeros' | 'subnormals' | 'fullRange' | 'tiesAtThreshold';
export const DISTS: Dist[] = ['lognormal', 'uniform', 'allEqual', 'fewValues', 'signedZeros', 'subnormals', 'fullRange', 'tiesAtThreshold'];

export function makeInput(dist: Dist, n: number, seed: number): Float32Array {
  const r = rng(seed);
  const g = new Float32Array(n);
  const bits = new Uint32Array(g.buffer);
  for (let i = 0; i < n; i++) {
    switch (dist) {
      case 'lognormal': {
        // Box-Muller normal, magnitude exp(2z - 6), random sign.
        const z = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
        g[i] = (r() < 0.5 ? -1 : 1) * Math.exp(2 * z - 6);
        break;
      }
      case 'uniform':
        g[i] = r() * 2 - 1;
        break;
      case 'allEqual':
        g[i] = i % 2 ? 0.5 : -0.5;
        break;
      case 'fewValues':
        g[i] = (Math.floor(r() * 5) - 2) * 0.25;
        break;
      case 'signedZeros':
        g[i] = r() < 0.4 ? (r() < 0.5 ? -0 : 0) : r() * 2 - 1;
        break;
      case 'subnormals':
        bits[i] = (Math.floor(r() * 0x00800000) | (r() < 0.5 ? 0x80000000 : 0)) >>> 0;
        break;
      case 'fullRange': {
        let u: number;
        do u = Math.floor(r() * 4294967296) >>> 0;
        while ((u & 0x7f800000) === 0x7f800000);
        bits[i] = u;
        break;
      }
      case 'tiesAtThreshold':
        // Half the layer shares one magnitude, so both thresholds usually land inside the tie.
        g[i] = r() < 0.5 ? (r() < 0.5 ? -1e-3 : 1e-3) : (r() * 2 - 1) * 1e-2;
        break;
    }
  }
  return g;
}

/** Count pairs to test on a layer of n: edges and the ratios users pick. */
export function countCases(n: number): Array<[number, number]> {
  const cases: Array<[number, number]> = [
    [0, 0],
    [n, 0],
    [0, n],
    [Math.floor(n * 0.01), Math.floor(n * 0.8)],
    [Math.floor(n * 0.05), Math.floor(n * 0.9)],
    [Math.floor(n / 2), n - Math.floor(n / 2)],
    [1, 0],
    [0, 1],
  ];
  return cases.filter(([t, b]) => t + b <= n);
}

export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Whether tests must have the native backend (CI builds it and sets this). */
export const NATIVE_REQUIRED = process.env.DGP_REQUIRE_NATIVE === '1';
