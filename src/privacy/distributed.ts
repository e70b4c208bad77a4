/**
 * The client side of distributed DP under secure aggregation (SPEC §11 'distributed', §12;
 * docs/PRIVACY.md, "Distributed noise"): the distributed discrete Gaussian of Kairouz, Liu and
 * Steinke 2021 (ICML, "The Distributed Discrete Gaussian Mechanism for Federated Learning with
 * Secure Aggregation").
 *
 * `planDistributed` picks the grid and each client's integer noise scale together:
 * - every client adds N_Z(0, s²) to every coordinate, s an integer in [1, 2^20] (the
 *   discreteGaussian kernel's range), so the sum over minClients = m clients carries noise of
 *   parameter σ = √m·s grid steps (variance m·Var(N_Z(0, s²)) <= m·s², within a relative
 *   4π²s²·e^{-2π²s²} of it: about 10^-7 at s = 1, below 10^-30 at s >= 2);
 * - the grid (inverseStep grid steps per unit) is the largest that makes the quantized L2
 *   sensitivity Δ = clipNorm·inverseStep·(1 + (d + 2)·2^-52) + √d at most σ / noiseMultiplier,
 *   so the achieved multiplier σ/Δ is >= the one asked for (reported as `achievedMultiplier`;
 *   no rounding of the noise scale is left to chance: s is an integer and σ is exact);
 * - s is the largest integer in [1, 2^20] for which the headroom rule holds at maxClients = n:
 *   n·B + ceil(20·√n·s) <= 2^31 - 1 with B = floor(clipRange·inverseStep·(1 + 2^-52)) + 1
 *   (quantize.ts, sumBound), so the sum of n clients' integers plus their noise cannot wrap
 *   modulo 2^32 except with probability at most 2·e^-200 per coordinate. A larger s means a
 *   finer grid: less rounding error relative to the signal and a smaller √d share of Δ.
 * No s fits (too many clients, or a dimension whose √d rounding term alone needs more noise
 * than 32 bits hold) → RangeError saying which.
 *
 * `quantizeWithNoise` runs one client's vector through clamp → scale → stochastic rounding →
 * + integer noise, and returns the 32-bit words for secure aggregation.
 */
import { describeValue } from '../errors';
import type { SecureRandom } from './random';
import { kernelsFor } from '../backend';
import { coordinateBound, NOISE_TAIL_SDS, quantizedSensitivity, quantizeValues, SUM_LIMIT, sumBound } from './quantize';

/** The largest per-client scale the discreteGaussian kernel takes. */
export const MAX_CLIENT_SCALE = 2 ** 20;

/** Values per discreteGaussian call (fixed, so the draws are the same on every backend). */
const CHUNK = 1 << 16;

export interface DistributedPlanParams {
  /** The L2 norm every client's update is clipped to, over all layers (> 0). */
  clipNorm: number;
  /** Per-coordinate clamp before quantizing (> 0; default clipNorm, which clamps nothing). */
  clipRange?: number;
  /** σ of the sum over minClients clients ÷ the quantized L2 sensitivity (> 0). */
  noiseMultiplier: number;
  /** The fewest clients whose noise is in a sum (integer >= 1). */
  minClients: number;
  /** The most clients whose inputs are summed (integer >= minClients): the headroom rule's n. */
  maxClients: number;
  /** Coordinates each client sends (integer >= 1). */
  dimension: number;
}

/** What planDistributed chose (every client and the server compute the same plan from the same inputs). */
export interface DistributedPlan {
  clipNorm: number;
  clipRange: number;
  /** The multiplier asked for. */
  noiseMultiplier: number;
  minClients: number;
  maxClients: number;
  dimension: number;
  /** Grid steps per unit: a value x becomes about x·inverseStep. */
  inverseStep: number;
  /** Units per grid step (1 / inverseStep): the server multiplies the summed integers by it. */
  step: number;
  /** Each client's discrete-Gaussian scale, in grid steps (an integer in [1, 2^20]). */
  scale: number;
  /** One client's quantized L2 sensitivity, in grid steps (quantizedSensitivity). */
  sensitivity: number;
  /** The noise parameter of the sum over minClients clients, in grid steps: √minClients·scale. */
  sigma: number;
  /** sigma / sensitivity: >= noiseMultiplier. */
  achievedMultiplier: number;
  /** The largest |quantized coordinate| of one client, in grid steps. */
  coordinateBound: number;
  /** The headroom rule's left-hand side at maxClients (<= 2^31 - 1). */
  sumBound: number;
  /** An upper bound on the probability that some coordinate of one round's sum wraps: 2·e^-200·dimension. */
  wrapProbability: number;
}

function readPositive(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a finite number > 0, got ${describeValue(v)}`);
  if (!(v > 0 && v < Infinity)) throw new RangeError(`${what} must be a finite number > 0, got ${describeValue(v)}`);
  return v;
}

function readCount(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be an integer in [${min}, ${max}], got ${describeValue(v)}`);
  if (!(Number.isInteger(v) && v >= min && v <= max)) throw new RangeError(`${what} must be an integer in [${min}, ${max}], got ${describeValue(v)}`);
  return v;
}

/** The grid for scale s (the largest inverseStep with quantizedSensitivity <= √m·s / z), or 0 when none. */
function gridFor(s: number, m: number, z: number, clipNorm: number, d: number): number {
  const target = (Math.sqrt(m) * s) / z;
  const rootD = Math.sqrt(d);
  if (!(target > rootD)) return 0;
  let inv = ((target - rootD) / clipNorm) / (1 + (d + 2) * 2 ** -52);
  // Float64 rounding may leave the sensitivity a few ulps above the target: step down until it is not.
  for (let i = 0; i < 64 && inv > 0 && quantizedSensitivity(clipNorm, inv, d) > target; i++) inv *= 1 - 2 ** -50;
  return inv > 0 && quantizedSensitivity(clipNorm, inv, d) <= target ? inv : 0;
}

/** Whether scale s gives a grid that satisfies the headroom rule at n clients. */
function fits(s: number, p: { m: number; n: number; z: number; clipNorm: number; clipRange: number; d: number }): number {
  const inv = gridFor(s, p.m, p.z, p.clipNorm, p.d);
  if (inv === 0) return 0;
  const b = coordinateBound(p.clipRange, inv);
  return sumBound(p.n, b, s) <= SUM_LIMIT ? inv : 0;
}

/**
 * The grid step and per-client integer noise scale for the distributed discrete Gaussian (see
 * the file comment). Bad arguments are TypeError / RangeError naming the argument and value; a
 * configuration that 32 bits cannot hold is a RangeError saying what to change.
 */
export function planDistributed(params: DistributedPlanParams): DistributedPlan {
  const caller = 'planDistributed';
  if (params === null || typeof params !== 'object')
    throw new TypeError(`${caller}: the argument must be an object {clipNorm, clipRange?, noiseMultiplier, minClients, maxClients, dimension}, got ${describeValue(params)}`);
  const { clipNorm: c, clipRange: r, noiseMultiplier: zz, minClients: mm, maxClients: nn, dimension: dd } = params;
  const clipNorm = readPositive(c, `${caller}: clipNorm`);
  const clipRange = r === undefined ? clipNorm : readPositive(r, `${caller}: clipRange`);
  const z = readPositive(zz, `${caller}: noiseMultiplier`);
  const m = readCount(mm, `${caller}: minClients`, 1, 0x7fffffff);
  const n = readCount(nn, `${caller}: maxClients`, m, 0x7fffffff);
  const d = readCount(dd, `${caller}: dimension`, 1, Number.MAX_SAFE_INTEGER);
  const p = { m, n, z, clipNorm, clipRange, d };
  // The headroom rule's left-hand side never decreases with s (a larger s gives a finer grid and
  // more noise), and exceeds n·(clipRange/clipNorm)·(√m·s/z - √d) + 20·√n·s: above `hi` nothing
  // fits. Bisect [sMin, hi] for the largest s that passes the exact check.
  const k = clipRange / clipNorm;
  const sMin = Math.max(1, Math.floor((z * Math.sqrt(d)) / Math.sqrt(m)) + 1); // below it the √d term alone exceeds σ / z
  const slope = n * k * (Math.sqrt(m) / z) + NOISE_TAIL_SDS * Math.sqrt(n);
  const hi = Math.min(MAX_CLIENT_SCALE, Math.floor((SUM_LIMIT + n * k * Math.sqrt(d)) / slope) + 1);
  let s = 0;
  let inv = 0;
  if (sMin <= hi && fits(sMin, p) > 0) {
    let lo = sMin; // fits
    let top = hi + 1; // does not fit (or is past the sampler's range)
    if (fits(hi, p) > 0) lo = hi;
    while (top - lo > 1) {
      const mid = Math.floor((lo + top) / 2);
      if (fits(mid, p) > 0) lo = mid;
      else top = mid;
    }
    s = lo;
    inv = fits(s, p);
  }
  if (inv === 0) {
    if (sMin > MAX_CLIENT_SCALE)
      throw new RangeError(
        `${caller}: the √d = ${Math.sqrt(d)} rounding term of dimension ${d} needs a per-client scale of at least ${sMin} grid steps, above the sampler's 2^20; ` +
          `raise minClients or lower noiseMultiplier or the dimension`,
      );
    throw new RangeError(
      `${caller}: no grid fits 32 bits: the sum of maxClients = ${n} clients (each up to clipRange = ${clipRange} on the grid) plus 20 standard deviations of their noise ` +
        `must stay below 2^31 while each client's scale is at least ${sMin} grid steps (the √d = ${Math.sqrt(d)} rounding term); ` +
        `lower maxClients, noiseMultiplier or the dimension, raise minClients, or pass a smaller clipRange`,
    );
  }
  const sensitivity = quantizedSensitivity(clipNorm, inv, d);
  const sigma = Math.sqrt(m) * s;
  const b = coordinateBound(clipRange, inv);
  return {
    clipNorm,
    clipRange,
    noiseMultiplier: z,
    minClients: m,
    maxClients: n,
    dimension: d,
    inverseStep: inv,
    step: 1 / inv,
    scale: s,
    sensitivity,
    sigma,
    achievedMultiplier: sigma / sensitivity,
    coordinateBound: b,
    sumBound: sumBound(n, b, s),
    wrapProbability: Math.min(1, 2 * Math.exp(-(NOISE_TAIL_SDS ** 2) / 2) * d),
  };
}

/**
 * One client's contribution: the (clipped) values clamped to ±plan.clipRange, scaled by
 * plan.inverseStep, rounded stochastically, plus exact N_Z(0, plan.scale²) noise on every
 * coordinate, all from `random`; returned as 32-bit words (two's complement) for secure
 * aggregation. `quantized` (optional, values.length long) receives the integers before the noise.
 * The values' length must be plan.dimension.
 */
export function quantizeWithNoise(values: Float32Array, plan: DistributedPlan, random: SecureRandom, quantized?: Int32Array): Uint32Array {
  const caller = 'quantizeWithNoise';
  if (!(values instanceof Float32Array)) throw new TypeError(`${caller}: values must be a Float32Array, got ${describeValue(values)}`);
  if (plan === null || typeof plan !== 'object') throw new TypeError(`${caller}: plan must be a plan from planDistributed, got ${describeValue(plan)}`);
  if (values.length !== plan.dimension)
    throw new RangeError(`${caller}: values must hold plan.dimension (${plan.dimension}) values, got ${values.length}`);
  if (quantized !== undefined && !(quantized instanceof Int32Array && quantized.length === values.length))
    throw new TypeError(`${caller}: quantized must be an Int32Array of ${values.length} integers, got ${describeValue(quantized)}`);
  const q = quantizeValues(values, plan.clipRange, plan.inverseStep, random);
  if (quantized) quantized.set(q);
  // The integers in place as 32-bit words; the noise is added mod 2^32 (two's complement: the
  // same words as int32 sums) by the modularAdd kernel, a chunk of draws at a time.
  const out = new Uint32Array(q.buffer, q.byteOffset, q.length);
  const k = kernelsFor(q.length);
  const noise = new Int32Array(Math.min(q.length, CHUNK));
  const noiseWords = new Uint32Array(noise.buffer);
  for (let at = 0; at < q.length; at += CHUNK) {
    const len = Math.min(CHUNK, q.length - at);
    random.discreteGaussian(plan.scale, len === noise.length ? noise : noise.subarray(0, len));
    k.modularAdd(out.subarray(at, at + len), len === noise.length ? noiseWords : noiseWords.subarray(0, len), false);
  }
  return out;
}
