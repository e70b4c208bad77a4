/**
 * The strip sampler's table, proved point by point against the discrete Gaussian computed
 * independently at 700 bits (docs/PRIVACY.md, "Noise sampler"). A proposal picks bucket i with
 * probability mass_i / 2^32 (mass_i read back from the alias table's columns), keeps it with
 * probability 2^-e_i (its halvings), picks x uniformly among the strip's w points, and accepts it
 * with probability acceptBound(i, x) / 2^62. So x is drawn with probability proportional to
 * mass_i·2^-e_i·acceptBound(i, x) / w, and this must be f(x) = exp(-x²/(2t²)) times one constant,
 * to within a factor 1 ± 2^-50, on every point of [0, B), B >= 20t. Also checked: the fast bound
 * never accepts what the exact bound would not (L_i·2^46 <= acceptBound(i, x)), and the alias
 * table holds exactly 2^32 units.
 */
import { acceptBound, buildGaussianTable, expNegFixed, GaussianTable } from '../../src/backends/ts/gaussian_table';

const P = 700n; // bits of the independent computation: f >= e^-200 > 2^-289 keeps 400 of them
const ONE = 1n << P;

/** 2^P·e^-1 to within a few units: the series Σ (-1)^k / k!. */
const E1 = (() => {
  let term = ONE;
  let sum = ONE;
  for (let k = 1n; term > 0n; k++) {
    term /= k;
    sum += k & 1n ? -term : term;
  }
  return sum;
})();

/** 2^P·e^-n for n = 0..201 (x < B <= 20t + w), by repeated multiplication. */
const E1_POWERS = [ONE];
for (let n = 1; n < 202; n++) E1_POWERS.push((E1_POWERS[n - 1] * E1) >> P);

/** 2^P·exp(-num/den) (num/den < 202), to within 2^-300 relative: e^-n from the powers, e^-r by its series. */
function expNeg(num: bigint, den: bigint): bigint {
  const n = num / den;
  const r = num - n * den;
  let term = ONE;
  let sum = ONE;
  for (let k = 1n; term > 0n; k++) {
    term = (term * r) / (den * k);
    sum += k & 1n ? -term : term;
  }
  return (sum * E1_POWERS[Number(n)]) >> P;
}

/** mass_i for every bucket, read back from the columns (threshold to the column's own bucket, the rest to its alias). */
function masses(tb: GaussianTable): bigint[] {
  const mass = new Array<bigint>(4096).fill(0n);
  for (let c = 0; c < 4096; c++) {
    mass[c] += BigInt(tb.threshold[c]);
    mass[tb.alias[c]] += (1n << 20n) - BigInt(tb.threshold[c]);
  }
  return mass;
}

/** The points of strip i that are checked: all of them for narrow strips, else both ends and 4 inside. */
function pointsOf(tb: GaussianTable, i: number, rnd: () => number): number[] {
  const b = i * tb.w;
  if (tb.w <= 16) return Array.from({ length: tb.w }, (_, j) => b + j);
  return [b, b + 1, b + tb.w - 2, b + tb.w - 1, ...Array.from({ length: 4 }, () => b + Math.floor(rnd() * tb.w))];
}

/** Largest and smallest of mass_i·2^-e_i·acceptBound / (w·2^62·f(x)) over the points checked, as ratios to the first. */
function proveTable(t: number): { spread: number; fastOk: boolean; total: bigint; reach: number } {
  const tb = buildGaussianTable(t);
  const mass = masses(tb);
  const total = mass.reduce((a, b) => a + b, 0n);
  let seed = t >>> 0 || 1;
  const rnd = () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return seed / 2 ** 32;
  };
  let lo = -1n;
  let hi = -1n;
  let fastOk = true;
  const den = BigInt(2 * t * t);
  for (let i = 0; i < tb.k; i++) {
    for (const x of pointsOf(tb, i, rnd)) {
      const a = acceptBound(tb, i, x);
      if (BigInt(tb.fast[i]) << 46n > a) fastOk = false;
      // mass·a·2^-e / (2^62·f(x)) in units of 2^-128 (both 2^P-scaled: a ratio of 700-bit values)
      const f = expNeg(BigInt(x) * BigInt(x), den);
      const num = (mass[i] * a) << (P - BigInt(tb.halvings[i]));
      const q = (num << 128n) / (f << 62n);
      if (lo < 0n || q < lo) lo = q;
      if (q > hi) hi = q;
    }
  }
  return { spread: Number(((hi - lo) << 100n) / lo) / 2 ** 100, fastOk, total, reach: (tb.k * tb.w) / t };
}

test('the certified exp: |S - 2^62·exp(-y)| < 64 on y in [0, 1]', () => {
  const den = 2n ** 41n;
  for (let j = 0; j <= 64; j++) {
    const num = j === 64 ? 2 ** 41 : Math.floor((j / 64) * 2 ** 41) + (j * 7919) % 1000;
    const exact = expNeg(BigInt(num), den) >> (P - 62n);
    const s = expNegFixed(num, 2 ** 41);
    expect(Number(s - exact)).toBeGreaterThan(-64);
    expect(Number(s - exact)).toBeLessThan(64);
  }
});

const SCALES = [1, 2, 3, 4, 5, 7, 10, 16, 100, 127, 128, 129, 200, 255, 256, 257, 1000, 4097, 65535, 65537, 1048575, 1048576];

test.each(SCALES)('scale %d: every point drawn with probability f(x)·constant, within 2^-50; fast bound sound; 2^32 units', (t) => {
  const r = proveTable(t);
  expect(r.total).toBe(1n << 32n);
  expect(r.fastOk).toBe(true);
  expect(r.spread).toBeLessThan(2 ** -50);
  expect(r.reach).toBeGreaterThanOrEqual(20);
});

test('random scales: the same proof', () => {
  let seed = 12345;
  for (let j = 0; j < 6; j++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const t = 1 + (seed % 2 ** 20);
    const r = proveTable(t);
    expect([t, r.total, r.fastOk, r.spread < 2 ** -50, r.reach >= 20]).toEqual([t, 1n << 32n, true, true, true]);
  }
});
