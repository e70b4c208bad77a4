/**
 * Gaussian noise that cannot leak through floating point (SPEC §11; Mironov 2012; docs/PRIVACY.md,
 * "Noise sampler").
 *
 * For a standard deviation `sigma`, the grid is g = noiseGrid(sigma) = sigma / 2^20. Each value x
 * is snapped to the grid integer k = round(x / g) (nearest, ties toward +∞), a draw z of the
 * discrete Gaussian N_Z(0, (2^20)²) is added (the strip sampler: |z| < 20 standard deviations,
 * each point within a factor 1 ± 2^-50 of its exact probability), and the value becomes
 * (k + z)·g, rounded once to the array's type. The output is a function of the integer k + z
 * only, so nothing of x below the grid reaches it (post-processing), and the noise is an integer
 * draw, not a float transform.
 *
 * Standard deviation of the noise: g·sd(N_Z(0, t²)) with t = 2^20. The discrete Gaussian's
 * variance differs from t² by a relative amount below 4π²t²·e^{-2π²t²} (far below 2^-1000 at
 * t = 2^20), the sampler's by less than 2^-49 (its factor 1 ± 2^-50 and the truncation at 20t,
 * which removes less than 2^-288), and g·t = sigma exactly (a power-of-two scaling), so the
 * noise's standard deviation is sigma to within 2^-49 — far within the 0.1%
 * (test/privacy/noise.test.ts computes it).
 *
 * Sensitivity: snapping moves a vector of d values by at most g·√d / 2 in L2, so a clipped update
 * of norm <= clipNorm becomes one of norm <= clipNorm + g·√d/2 = snappedSensitivity(clipNorm,
 * sigma, d) (a sum snapped as a whole: clipNorm + g·√d, snappedSensitivity(..., 'sum')). The
 * accountant must be given the multiplier sigma / snappedSensitivity(...), not sigma / clipNorm;
 * the two differ by the factor 1 + z·√d / 2^21 (z = sigma / clipNorm; twice that for 'sum'):
 * 1.3e-4 for z = 1 and d = 79,510 (the MNIST MLP), 4.8e-4 for d = 10^6, 4.8e-3 for d = 10^8.
 */
import { describeValue } from '../errors';
import type { SecureRandom } from './random';

/** Grid steps per standard deviation: the discrete Gaussian's scale t. */
export const NOISE_GRID_STEPS = 2 ** 20;

/** Values per sampler call (fixed, so the draws are the same on every backend). */
const CHUNK = 1 << 16;

/** Smallest sigma accepted (its grid stays a normal float64). */
const MIN_SIGMA = 2 ** -1000;

function checkSigma(sigma: unknown, caller: string): asserts sigma is number {
  if (typeof sigma !== 'number') throw new TypeError(`${caller}: sigma must be a number, got ${describeValue(sigma)}`);
  if (!(Number.isFinite(sigma) && (sigma === 0 || sigma >= MIN_SIGMA)))
    throw new RangeError(`${caller}: sigma must be a finite number, 0 or at least 2^-1000, got ${describeValue(sigma)}`);
}

/** The noise grid for standard deviation sigma: sigma / 2^20 (0 for sigma = 0). */
export function noiseGrid(sigma: number): number {
  checkSigma(sigma, 'noiseGrid');
  return sigma / NOISE_GRID_STEPS;
}

/**
 * The L2 sensitivity (in the values' units) the accountant must use once `dimension` values are
 * snapped to the grid of `sigma` before the noise (docs/PRIVACY.md, "Noise sampler"):
 * - `'update'` (default): each client's own clipped update (norm <= clipNorm) is snapped, as in
 *   local mode: one client moves the snapped vector by at most clipNorm + g·√d/2
 *   (add/remove; for replace-one, twice that);
 * - `'sum'`: the noise goes on a sum of updates that were not snapped one by one (central mode
 *   noising the aggregate): rounding the sum adds up to g·√d, so clipNorm + g·√d.
 * The multiplier to give the accountant is sigma / snappedSensitivity(...).
 */
export function snappedSensitivity(clipNorm: number, sigma: number, dimension: number, snapped: 'update' | 'sum' = 'update'): number {
  if (typeof clipNorm !== 'number') throw new TypeError(`snappedSensitivity: clipNorm must be a number, got ${describeValue(clipNorm)}`);
  if (!(Number.isFinite(clipNorm) && clipNorm >= 0))
    throw new RangeError(`snappedSensitivity: clipNorm must be a finite number >= 0, got ${describeValue(clipNorm)}`);
  checkSigma(sigma, 'snappedSensitivity');
  if (typeof dimension !== 'number') throw new TypeError(`snappedSensitivity: dimension must be a number, got ${describeValue(dimension)}`);
  if (!(Number.isSafeInteger(dimension) && dimension >= 0))
    throw new RangeError(`snappedSensitivity: dimension must be an integer >= 0, got ${describeValue(dimension)}`);
  if (snapped !== 'update' && snapped !== 'sum')
    throw new RangeError(`snappedSensitivity: snapped must be 'update' or 'sum', got ${describeValue(snapped)}`);
  const g = sigma / NOISE_GRID_STEPS;
  return clipNorm + (snapped === 'sum' ? g * Math.sqrt(dimension) : (g * Math.sqrt(dimension)) / 2);
}

/**
 * In place: values[i] = (round(values[i] / g) + z_i)·g with g = noiseGrid(sigma) and z_i
 * discrete-Gaussian draws of standard deviation 2^20 grid steps (noise of standard deviation
 * sigma) from `random`. sigma = 0 leaves the values as they are. Every value is checked before
 * anything is drawn or written: a non-finite value, or one beyond 2^52 grid steps, is a RangeError
 * naming `caller`, and `values` is then unchanged.
 */
export function addGaussianNoise(values: Float32Array | Float64Array, sigma: number, random: SecureRandom, caller = 'addGaussianNoise'): void {
  if (!(values instanceof Float32Array || values instanceof Float64Array))
    throw new TypeError(`${caller}: values must be a Float32Array or Float64Array, got ${describeValue(values)}`);
  checkSigma(sigma, caller);
  if (random === null || typeof random !== 'object' || typeof (random as SecureRandom).discreteGaussian !== 'function')
    throw new TypeError(`${caller}: random must be a SecureRandom, got ${describeValue(random)}`);
  if (sigma === 0 || values.length === 0) return;
  const g = sigma / NOISE_GRID_STEPS;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) throw new RangeError(`${caller}: values[${i}] is ${describeValue(x)}; noise needs finite values`);
    if (!(Math.abs(x / g) <= 2 ** 52))
      throw new RangeError(`${caller}: values[${i}] = ${describeValue(x)} is more than 2^52 grid steps of ${g} (sigma ${sigma} too small for it)`);
  }
  const noise = new Int32Array(Math.min(n, CHUNK));
  for (let at = 0; at < n; at += CHUNK) {
    const m = Math.min(CHUNK, n - at);
    const z = m === noise.length ? noise : noise.subarray(0, m);
    random.discreteGaussian(NOISE_GRID_STEPS, z);
    for (let j = 0; j < m; j++) {
      const i = at + j;
      values[i] = (Math.round(values[i] / g) + z[j]) * g;
    }
  }
}
