/**
 * Fixed-point quantization for secure aggregation (SPEC §12; docs/PRIVACY.md, "Distributed
 * noise", "Quantization and headroom"). Pure arithmetic on a grid that `planDistributed`
 * (privacy/distributed.ts) chooses; this file has no opinion on the noise.
 *
 * Client: each value x is clamped to [-clipRange, clipRange], multiplied by inverseStep (one
 * correctly rounded float64 product) and rounded down or up at random with E[q] = x·inverseStep
 * (the quantizeStochastic kernel, keyed by a SecureRandom: never Math.random). The integers go to
 * secure aggregation as 32-bit words (two's complement), summed modulo 2^32.
 *
 * Server: the sum modulo 2^32 is read back as a signed 32-bit integer S (centred: words >= 2^31
 * are negative), then S·step, divided by `divisor` (the expected clients for a mean, as central
 * mode does), rounded once to float32. The centred reading is the exact integer sum whenever
 * |S| <= 2^31 - 1: the headroom rule (`sumBound`) is what guarantees that.
 *
 * Bounds used by the plan, with the float64 slack they carry:
 * - one quantized coordinate: |q| <= B = floor(clipRange·inverseStep·(1 + 2^-52)) + 1
 *   (the product is rounded at most half an ulp up, then floor or floor + 1);
 * - one client's quantized vector: ‖q‖₂ <= clipNorm·inverseStep·(1 + (d + 2)·2^-52) + √d
 *   (`quantizedSensitivity`): clamping never increases a norm, |q_i - y_i| < 1 for every
 *   coordinate (worst case over the random rounding, so the bound holds for every draw), and the
 *   slack covers the float64 sum of squares in the clip (relative error <= d·2^-53) and the
 *   products. The zero vector quantizes to exactly zero, so this is the L2 distance between a
 *   client's contribution and none.
 */
import { describeValue } from '../errors';
import type { SecureRandom } from './random';

/** Secure aggregation sums 32-bit words modulo 2^32. */
export const MODULUS_BITS = 32;

/** The largest |sum| the centred reading of a 32-bit word returns exactly. */
export const SUM_LIMIT = 2 ** 31 - 1;

/** The tail bound on the summed noise, in its standard deviations (failure probability 2·e^-200 per coordinate). */
export const NOISE_TAIL_SDS = 20;

function finitePositive(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a finite number > 0, got ${describeValue(v)}`);
  if (!(v > 0 && v < Infinity)) throw new RangeError(`${what} must be a finite number > 0, got ${describeValue(v)}`);
  return v;
}

function integerAtLeast(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be an integer >= ${min}, got ${describeValue(v)}`);
  if (!(Number.isSafeInteger(v) && v >= min)) throw new RangeError(`${what} must be an integer >= ${min}, got ${describeValue(v)}`);
  return v;
}

/** The largest |q| one quantized coordinate can take: floor(clipRange·inverseStep·(1 + 2^-52)) + 1. */
export function coordinateBound(clipRange: number, inverseStep: number): number {
  finitePositive(clipRange, 'coordinateBound: clipRange');
  finitePositive(inverseStep, 'coordinateBound: inverseStep');
  return Math.floor(clipRange * inverseStep * (1 + 2 ** -52)) + 1;
}

/**
 * The L2 sensitivity, in grid units, of one client's quantized update of `dimension`
 * coordinates clipped to `clipNorm`: clipNorm·inverseStep·(1 + (d + 2)·2^-52) + √d (worst case
 * over the stochastic rounding; see the file comment).
 */
export function quantizedSensitivity(clipNorm: number, inverseStep: number, dimension: number): number {
  finitePositive(clipNorm, 'quantizedSensitivity: clipNorm');
  finitePositive(inverseStep, 'quantizedSensitivity: inverseStep');
  const d = integerAtLeast(dimension, 'quantizedSensitivity: dimension', 0);
  return clipNorm * inverseStep * (1 + (d + 2) * 2 ** -52) + Math.sqrt(d);
}

/**
 * The headroom rule's left-hand side: the largest |coordinate| of the sum of `clients` quantized
 * vectors (|q| <= `bound` each) plus their discrete-Gaussian noise (per-client scale `scale`),
 * except with probability at most 2·e^-200 per coordinate: clients·bound + ceil(20·√clients·scale).
 * The noise tail: N_Z(0, s²) is s²-sub-Gaussian (Canonne, Kamath and Steinke 2020), so the sum
 * of n draws has P(|Σ| >= t) <= 2·exp(-t²/(2ns²)); t = 20·√n·s gives 2·e^-200 (below 10^-86).
 * The rule is sumBound(...) <= SUM_LIMIT = 2^31 - 1.
 */
export function sumBound(clients: number, bound: number, scale: number): number {
  const n = integerAtLeast(clients, 'sumBound: clients', 1);
  const b = integerAtLeast(bound, 'sumBound: bound', 0);
  if (typeof scale !== 'number') throw new TypeError(`sumBound: scale must be a number >= 0, got ${describeValue(scale)}`);
  if (!(scale >= 0 && scale < Infinity)) throw new RangeError(`sumBound: scale must be a finite number >= 0, got ${describeValue(scale)}`);
  return n * b + Math.ceil(NOISE_TAIL_SDS * Math.sqrt(n) * scale);
}

/**
 * Quantizes `values` (already clipped) onto the grid: out[i] = clamp(values[i], ±clipRange)
 * ·inverseStep rounded stochastically with `random` (ceil(n / 8) keystream blocks). A NaN/±Inf
 * value is a RangeError naming its index (nothing drawn). Returns the integers (int32).
 */
export function quantizeValues(values: Float32Array, clipRange: number, inverseStep: number, random: SecureRandom): Int32Array {
  if (!(values instanceof Float32Array)) throw new TypeError(`quantizeValues: values must be a Float32Array, got ${describeValue(values)}`);
  finitePositive(clipRange, 'quantizeValues: clipRange');
  finitePositive(inverseStep, 'quantizeValues: inverseStep');
  if (random === null || typeof random !== 'object' || typeof (random as SecureRandom).quantizeStochastic !== 'function')
    throw new TypeError(`quantizeValues: random must be a SecureRandom, got ${describeValue(random)}`);
  const out = new Int32Array(values.length);
  random.quantizeStochastic(values, clipRange, inverseStep, out);
  return out;
}

/**
 * The server's inverse: each 32-bit word of a sum modulo 2^32 read as a signed integer S
 * (centred), then S·step / divisor rounded once to float32. `divisor` (default 1: the sum) is
 * the expected clients for a mean (as central mode divides the noised sum by expectedClients,
 * not the clients seen). Exact as long as the headroom rule held for the clients summed.
 */
export function dequantizeSum(sum: Uint32Array, step: number, divisor = 1): Float32Array {
  if (!(sum instanceof Uint32Array)) throw new TypeError(`dequantizeSum: sum must be a Uint32Array, got ${describeValue(sum)}`);
  finitePositive(step, 'dequantizeSum: step');
  finitePositive(divisor, 'dequantizeSum: divisor');
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = ((sum[i] | 0) * step) / divisor;
  return out;
}
