/**
 * The TypeScript twin of native/privacy/gaussian_table.cc: the strip sampler's table for one scale
 * t, built with the same integer steps (BigInt where the C++ uses 128-bit integers), so every
 * backend draws from the same table. docs/PRIVACY.md, "Noise sampler", gives the argument.
 */

export const COLUMN_BITS = 12;
const COLUMNS = 1 << COLUMN_BITS;
const THRESHOLD_BITS = 20;
const TAIL_SIGMAS = 20;
const STRIPS_PER_SIGMA = 128;
const FAST_BITS = 16;
const FIX = 62n;
const ONE = 1n << FIX;
/** floor(2^64·e^-1); e^-1 lies in [E1_LOW, E1_LOW + 1]·2^-64. */
const E1_LOW = 0x5e2d58d8b3bcdf1an;
/** Strips start below 20t, so b²/(2t²) < 200. */
const MAX_EXPONENT = 200;

export interface GaussianTable {
  t: number;
  /** Strip width, and the bit length of w - 1. */
  w: number;
  wbits: number;
  /** Strips; bucket k rejects. */
  k: number;
  twoT2: number;
  /** Column c: bucket c when the 20-bit v < threshold[c], else alias[c]. */
  threshold: Uint32Array;
  alias: Uint16Array;
  /** e_i: strip i is kept only when e_i further bits are all 0. */
  halvings: Uint16Array;
  /** L_i: a 16-bit u < L_i accepts at once. */
  fast: Uint16Array;
  /** Lower bound of ρ_i = f(b_i)·G·2^e_i / W_i in units of 2^-62, and the same as a double (for the pre-test). */
  rho: BigInt64Array;
  rhoApprox: Float64Array;
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** m·2^-s with m in [2^63, 2^64). */
interface Mant {
  m: bigint;
  s: number;
}

/** The top 64 bits of p·2^-s (p > 0), rounded down or up (gaussian_table.cc top64). */
function top64(p: bigint, s: number, up: boolean): Mant {
  const sh = bitLength(p) - 64;
  if (sh <= 0) return { m: p << BigInt(-sh), s: s - sh };
  const bs = BigInt(sh);
  let m = p >> bs;
  if (up && m << bs !== p) m += 1n;
  if (m >> 64n) return { m: 1n << 63n, s: s - sh - 1 };
  return { m, s: s - sh };
}

/** S with |S - 2^62·exp(-num/den)| < 64 for 0 <= num <= den <= 2^42 (gaussian_table.cc exp_neg_fixed). */
export function expNegFixed(num: number, den: number): bigint {
  const y = (BigInt(num) << FIX) / BigInt(den);
  let term = ONE;
  let even = ONE;
  let odd = 0n;
  for (let k = 1n; k <= 20n; k++) {
    term = ((term * y) >> FIX) / k;
    if (k & 1n) odd += term;
    else even += term;
  }
  return even - odd;
}

let powers: { low: Mant[]; high: Mant[] } | null = null;

/** Bounds of e^-n for n = 0..199, rounding away from the truth. */
function powersOfE1(): { low: Mant[]; high: Mant[] } {
  if (powers !== null) return powers;
  const low: Mant[] = [{ m: 1n << 63n, s: 63 }];
  const high: Mant[] = [{ m: 1n << 63n, s: 63 }];
  for (let n = 1; n < MAX_EXPONENT; n++) {
    low.push(top64(low[n - 1].m * E1_LOW, low[n - 1].s + 64, false));
    high.push(top64(high[n - 1].m * (E1_LOW + 1n), high[n - 1].s + 64, true));
  }
  powers = { low, high };
  return powers;
}

/** Bounds of f(b) = exp(-b²/(2t²)) = e^-n·exp(-r/(2t²)). */
function gaussianAt(b: number, twoT2: number, up: boolean): Mant {
  const q = b * b; // < 2^50: exact
  const n = Math.floor(q / twoT2);
  const s = expNegFixed(q - n * twoT2, twoT2);
  const en = up ? powersOfE1().high[n] : powersOfE1().low[n];
  return top64((up ? s + 64n : s - 64n) * en.m, en.s + Number(FIX), up);
}

/** floor(2^62·a(x)) from below: strip i's acceptance bound at x (gaussian_table.cc accept_bound). */
export function acceptBound(table: GaussianTable, i: number, x: number): bigint {
  const b = i * table.w;
  const s = expNegFixed(x * x - b * b, table.twoT2);
  return ((s - 64n) * table.rho[i]) >> FIX;
}

/** The table for scale t in [1, 2^20] (gaussian_table.cc build_gaussian_table, step for step). */
export function buildGaussianTable(t: number): GaussianTable {
  const w = Math.ceil(t / STRIPS_PER_SIGMA);
  const k = Math.ceil((TAIL_SIGMAS * t) / w);
  const twoT2 = 2 * t * t;
  const d = w + Math.ceil((t * 12533142) / 10000000); // t·12533142 < 2^44: exact, and so is the quotient's ceiling
  const g = (((1n << 32n) - (1n << 25n)) * BigInt(w)) / BigInt(d);
  const table: GaussianTable = {
    t,
    w,
    wbits: w === 1 ? 0 : 32 - Math.clz32(w - 1),
    k,
    twoT2,
    threshold: new Uint32Array(COLUMNS),
    alias: new Uint16Array(COLUMNS),
    halvings: new Uint16Array(k),
    fast: new Uint16Array(k),
    rho: new BigInt64Array(k),
    rhoApprox: new Float64Array(k),
  };
  const weight: bigint[] = new Array(COLUMNS).fill(0n);
  let total = 0n;
  for (let i = 0; i < k; i++) {
    const b = i * w;
    const hi = gaussianAt(b, twoT2, true);
    const p = hi.m * g;
    const len = bitLength(p);
    const e = Math.max(0, 13 + hi.s - len);
    const sh = BigInt(hi.s - e);
    const wi = (p + ((1n << sh) - 1n)) >> sh;
    const lo = gaussianAt(b, twoT2, false);
    const pl = lo.m * g;
    const shl = e + Number(FIX) - lo.s;
    const num = shl >= 0 ? pl << BigInt(shl) : pl >> BigInt(-shl);
    const rho = num / wi;
    const last = b + w - 1;
    const sLast = expNegFixed(last * last - b * b, twoT2);
    table.halvings[i] = e;
    table.rho[i] = rho; // <= 2^62
    table.rhoApprox[i] = Number(rho) / 2 ** 62;
    table.fast[i] = Number(((sLast - 192n) * rho) >> (2n * FIX - BigInt(FAST_BITS)));
    weight[i] = wi;
    total += wi;
  }
  weight[k] = (1n << 32n) - total;
  // Vose's alias method in exact integers, the same stack order as the C++.
  const c = 1n << BigInt(THRESHOLD_BITS);
  const small: number[] = [];
  const large: number[] = [];
  for (let j = 0; j < COLUMNS; j++) (weight[j] < c ? small : large).push(j);
  while (small.length > 0 && large.length > 0) {
    const sj = small.pop() as number;
    const lj = large.pop() as number;
    table.threshold[sj] = Number(weight[sj]);
    table.alias[sj] = lj;
    weight[lj] -= c - weight[sj];
    (weight[lj] < c ? small : large).push(lj);
  }
  // what is left holds exactly one column each (the total is 2^11 columns): itself
  for (const j of [...large, ...small]) {
    table.threshold[j] = Number(c);
    table.alias[j] = j;
  }
  return table;
}
