/**
 * The privacy accountant (SPEC §11, issue 20 ask 4; docs/PRIVACY.md, "Accountant").
 *
 * - `rdpSubsampledGaussian(q, z, orders)`: Rényi DP of one round of the Poisson-subsampled
 *   Gaussian mechanism (sampling rate q, noise multiplier z = noise std ÷ L2 sensitivity) at each
 *   order α. Integer α exactly, in log space:
 *     A_α = Σ_{i=0..α} C(α,i) (1-q)^(α-i) q^i exp((i²-i)/(2z²)),  RDP(α) = log A_α / (α-1).
 *   Fractional α: the series of Mironov, Talwar and Zhang 2019 (§3.3), summing the absolute
 *   values of its terms (as Google's dp_accounting does since 2024: an upper bound of the exact
 *   series, whose terms alternate in sign for i > α + 1); a series that has not converged after
 *   1000 terms gives RDP = ∞ at that order (the order is then never the minimiser), as
 *   dp_accounting does. q = 0 gives 0; q = 1 gives α/(2z²); z = 0 (with q > 0) gives ∞.
 * - `epsilonFromRdp(orders, rdp, delta)`: (ε, δ) from RDP by Balle et al. 2020 (Theorem 21 of
 *   arXiv:1905.09982; the same bound is Prop. 12 of Canonne, Kamath and Steinke, arXiv:2004.00010,
 *   which dp_accounting cites): ε = min_α [RDP(α) + log(1 - 1/α) - (log δ + log α)/(α - 1)], over
 *   orders α > 1.01, clamped at 0; an order whose RDP r has δ² >= 1 - exp(-r) gives ε = 0
 *   ((0, δ)-DP holds once the total variation distance, at most √(1 - exp(-KL)) with KL <= r, is
 *   at most δ).
 * - `gaussianDelta(sigma, epsilon)` / `gaussianEpsilon(sigma, delta)`: the exact privacy curve
 *   of the Gaussian mechanism with multiplier sigma (Balle and Wang 2018, Theorem 8):
 *     δ(ε) = Φ(1/(2σ) - εσ) - e^ε Φ(-1/(2σ) - εσ).
 * - `dpEpsilon({ noiseMultiplier, samplingRate, rounds, delta })`: the composition over `rounds`
 *   (RDP multiplies by `rounds`) converted on DEFAULT_RDP_ORDERS. With samplingRate = 1, the
 *   exact Gaussian curve instead: `rounds` Gaussians of multiplier z compose to one of
 *   multiplier z/√rounds. With 0 < samplingRate < 1, the smaller of the RDP bound and that exact
 *   curve (Poisson subsampling is a post-processing of the unsampled mechanism's output pair, so
 *   the unsampled curve bounds it too): ε does not jump down at samplingRate = 1.
 * - `dpNoiseMultiplier({ epsilon, delta, samplingRate, rounds })`: the smallest multiplier whose
 *   dpEpsilon is <= epsilon, bracketed to a relative width of 1e-6 (false position on log ε
 *   against log z, Illinois rule, bisection as fallback), returning the upper end.
 *
 * Neighbouring datasets differ by adding or removing one client (whose clipped update has
 * sensitivity clipNorm); for replace-one neighbours the sensitivity is 2·clipNorm, so pass
 * noiseMultiplier / 2. Fixed-size (without replacement) sampling is not covered.
 */
import { describeValue } from '../errors';
import { readArray, readObject } from '../read';
import { erfc, erfcx, logAdd, logErfc, logSumExp } from './special';

/**
 * dp_accounting's default RDP orders: 1 + x/10 for x = 1…99 (1.1 … 10.9, integers 2 … 10 among
 * them), then 11 … 63, 128, 256, 512, 1024. 156 orders.
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 53 }, (_, i) => 11 + i),
  128,
  256,
  512,
  1024,
]);

/** Largest order accepted by rdpSubsampledGaussian (integer orders cost α + 1 terms). */
export const MAX_RDP_ORDER = 2 ** 20;

/** Terms of the fractional-order series before the order is given up (RDP = ∞ there). */
const MAX_FRAC_TERMS = 1000;

/** Relative width of the bracket at which dpNoiseMultiplier stops. */
export const NOISE_MULTIPLIER_RTOL = 1e-6;

export interface DpEpsilonParams {
  /** Noise standard deviation ÷ L2 sensitivity (clipNorm), per round. */
  noiseMultiplier: number;
  /** Probability that a client takes part in a round (Poisson sampling), in [0, 1]. */
  samplingRate: number;
  /** Number of rounds composed (a non-negative integer). */
  rounds: number;
  /** Target δ, in (0, 1). */
  delta: number;
}

export interface DpNoiseMultiplierParams {
  /** Target ε, a finite number > 0. */
  epsilon: number;
  /** Target δ, in (0, 1). */
  delta: number;
  /** Probability that a client takes part in a round (Poisson sampling), in [0, 1]. */
  samplingRate: number;
  /** Number of rounds composed (a non-negative integer). */
  rounds: number;
}

// ---- argument checks (docs/ERRORS.md: TypeError for the wrong type, RangeError for a bad value)

export function readMultiplier(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number >= 0, got ${describeValue(v)}`);
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${what} must be a finite number >= 0, got ${describeValue(v)}`);
  return v;
}

export function readRate(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number in [0, 1], got ${describeValue(v)}`);
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${what} must be a finite number in [0, 1], got ${describeValue(v)}`);
  return v;
}

function readRounds(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a non-negative integer, got ${describeValue(v)}`);
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be a non-negative integer, got ${describeValue(v)}`);
  return v;
}

export function readDelta(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number in (0, 1), got ${describeValue(v)}`);
  if (!(v > 0 && v < 1)) throw new RangeError(`${what} must be a number in (0, 1), got ${describeValue(v)}`);
  return v;
}

function readTargetEpsilon(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a finite number > 0, got ${describeValue(v)}`);
  if (!Number.isFinite(v) || !(v > 0)) throw new RangeError(`${what} must be a finite number > 0, got ${describeValue(v)}`);
  return v;
}

function readNonNegative(v: unknown, what: string, finite: boolean): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number >= 0, got ${describeValue(v)}`);
  if (!(v >= 0) || (finite && v === Infinity))
    throw new RangeError(`${what} must be a ${finite ? 'finite ' : ''}number >= 0, got ${describeValue(v)}`);
  return v;
}

function readOrders(v: unknown, what: string): number[] {
  const items = readArray(v, what, 'an Array of numbers in (1, 2^20]');
  return items.map((a, i) => {
    if (typeof a !== 'number') throw new TypeError(`${what}[${i}] must be a number in (1, 2^20], got ${describeValue(a)}`);
    if (!(a > 1 && a <= MAX_RDP_ORDER)) throw new RangeError(`${what}[${i}] must be a number in (1, 2^20], got ${describeValue(a)}`);
    return a;
  });
}

// ---- Rényi DP of the Poisson-subsampled Gaussian

/** log A_α for integer α >= 2 and 0 < q < 1: log-sum-exp of the α + 1 terms. */
function logAInt(q: number, inv2s2: number, alpha: number): number {
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const terms = new Float64Array(alpha + 1);
  let logC = 0; // log C(α, i), by C(α, i+1) = C(α, i)·(α - i)/(i + 1)
  for (let i = 0; i <= alpha; i++) {
    terms[i] = logC + i * logq + (alpha - i) * log1mq + (i * i - i) * inv2s2;
    logC += Math.log((alpha - i) / (i + 1));
  }
  return logSumExp(terms);
}

/**
 * log A_α for fractional α > 1 and 0 < q < 1: the Mironov–Talwar–Zhang series, split at
 * z0 = σ²·log(1/q - 1) + 1/2 into the integrals over (-∞, z0] and [z0, ∞), each term with the
 * absolute value of its binomial coefficient. Stops once both parts' terms decrease and the
 * larger is below e^-30 of the total; ∞ after MAX_FRAC_TERMS terms.
 */
function logAFrac(q: number, sigma: number, alpha: number): number {
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const inv2s2 = 1 / (2 * sigma * sigma);
  const z0 = sigma * sigma * (log1mq - logq) + 0.5;
  const scale = 1 / (Math.SQRT2 * sigma);
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  let last0 = -Infinity;
  let last1 = -Infinity;
  let logC = 0; // log |C(α, i)|
  for (let i = 0; i < MAX_FRAC_TERMS; i++) {
    const j = alpha - i;
    const s0 = logC + i * logq + j * log1mq + (i * i - i) * inv2s2 - Math.LN2 + logErfc((i - z0) * scale);
    const s1 = logC + j * logq + i * log1mq + (j * j - j) * inv2s2 - Math.LN2 + logErfc((z0 - j) * scale);
    logA0 = logAdd(logA0, s0);
    logA1 = logAdd(logA1, s1);
    // Stop once both parts' terms decrease and the larger is below e^-30 of the total. The total
    // is at most log 2 above the larger part, so it is only formed when that can decide.
    const sMax = Math.max(s0, s1);
    if (s0 < last0 && s1 < last1 && sMax < Math.max(logA0, logA1) + Math.LN2 - 30) {
      const total = logAdd(logA0, logA1);
      if (sMax < total - 30) return total;
    }
    last0 = s0;
    last1 = s1;
    logC += Math.log(Math.abs((alpha - i) / (i + 1)));
  }
  return Infinity;
}

/** RDP at one order α > 1 of one round (arguments already checked). */
function rdpOne(q: number, z: number, alpha: number): number {
  if (q === 0) return 0;
  if (alpha === Infinity) return Infinity;
  const inv2s2 = 1 / (2 * z * z);
  if (!Number.isFinite(inv2s2)) return Infinity; // z = 0 or so small that 1/z² overflows
  if (q === 1) return alpha * inv2s2;
  const logA = Number.isInteger(alpha) ? logAInt(q, inv2s2, alpha) : logAFrac(q, z, alpha);
  // A_α >= 1 exactly; a rounding below it is no privacy loss.
  return Math.max(0, logA / (alpha - 1));
}

/**
 * Rényi DP of ONE round of the Poisson-subsampled Gaussian mechanism (sampling rate `q`, noise
 * multiplier `z`) at each order (default DEFAULT_RDP_ORDERS). Multiply by the number of rounds
 * to compose. Values may be Infinity.
 */
export function rdpSubsampledGaussian(q: number, z: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): number[] {
  const rate = readRate(q, 'rdpSubsampledGaussian: q');
  const mult = readMultiplier(z, 'rdpSubsampledGaussian: z');
  const ords = orders === DEFAULT_RDP_ORDERS ? DEFAULT_RDP_ORDERS : readOrders(orders, 'rdpSubsampledGaussian: orders');
  return ords.map((a) => rdpOne(rate, mult, a));
}

// ---- RDP → (ε, δ)

/** ε and the order that gives it (arguments already checked); order NaN when every ε is ∞. */
export function epsilonAndOrderFromRdp(orders: readonly number[], rdp: ArrayLike<number>, delta: number): { epsilon: number; order: number } {
  let best = Infinity;
  let order = NaN;
  const logDelta = Math.log(delta);
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k];
    const r = rdp[k];
    let eps: number;
    if (r === Infinity) eps = Infinity;
    else if (delta * delta + Math.expm1(-r) > 0) eps = 0;
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
    else eps = Infinity;
    if (eps < best) {
      best = eps;
      order = a;
    }
  }
  return { epsilon: Math.max(0, best), order };
}

/**
 * (ε, δ)-DP from Rényi DP `rdp[k]` at `orders[k]` (Balle et al. 2020), minimised over the orders
 * and clamped at 0; Infinity when every order's RDP is.
 */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number): number {
  const ords = readOrders(orders, 'epsilonFromRdp: orders');
  const values = readArray(rdp, 'epsilonFromRdp: rdp', 'an Array of numbers >= 0');
  if (values.length !== ords.length)
    throw new RangeError(`epsilonFromRdp: rdp must have one value per order (${ords.length}), got ${values.length}`);
  const r = values.map((v, i) => readNonNegative(v, `epsilonFromRdp: rdp[${i}]`, false));
  const d = readDelta(delta, 'epsilonFromRdp: delta');
  return epsilonAndOrderFromRdp(ords, r, d).epsilon;
}

// ---- the exact Gaussian curve (Balle and Wang 2018)

/** δ(ε) of the Gaussian mechanism with multiplier sigma > 0 (arguments already checked). */
function gaussianDeltaRaw(sigma: number, eps: number): number {
  if (eps === Infinity) return 0;
  const a = 1 / (2 * sigma);
  const b = eps * sigma;
  if (!Number.isFinite(a)) return 1;
  // With u = |b - a|/√2 and v = (a + b)/√2, v² - u² = 2ab = ε, so e^ε·Φ(-(a+b)) = e^-u²·erfcx(v)/2:
  // the two terms share the factor e^-u² and neither e^ε nor Φ of a large argument is formed.
  const u = Math.abs(b - a) * Math.SQRT1_2;
  const v = (a + b) * Math.SQRT1_2;
  const eu = Math.exp(-u * u);
  if (b >= a) return Math.max(0, 0.5 * eu * (erfcx(u) - erfcx(v)));
  return Math.min(1, Math.max(0, 1 - 0.5 * eu * (erfcx(u) + erfcx(v))));
}

/** ε(δ) of the Gaussian mechanism with multiplier sigma (arguments already checked). */
function gaussianEpsilonRaw(sigma: number, delta: number): number {
  if (sigma === 0 || !Number.isFinite(1 / (2 * sigma))) return Infinity;
  // δ(0) = erf(1/(2√2·σ)).
  if (1 - erfc(1 / (2 * Math.SQRT2 * sigma)) <= delta) return 0;
  let hi = 1;
  while (gaussianDeltaRaw(sigma, hi) > delta) {
    hi *= 2;
    if (hi === Infinity) return Infinity;
  }
  let lo = hi === 1 ? 0 : hi / 2;
  // δ(ε) decreases in ε; keep δ(hi) <= target, stop at a relative width of 1e-12.
  for (let it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (gaussianDeltaRaw(sigma, mid) <= delta) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * δ(ε) of the Gaussian mechanism whose noise standard deviation is `sigma` times its L2
 * sensitivity (exact: Balle and Wang 2018). `sigma` = 0 gives 1 (no privacy).
 */
export function gaussianDelta(sigma: number, epsilon: number): number {
  const s = readMultiplier(sigma, 'gaussianDelta: sigma');
  const e = readNonNegative(epsilon, 'gaussianDelta: epsilon', false);
  if (s === 0) return e === Infinity ? 0 : 1;
  return gaussianDeltaRaw(s, e);
}

/**
 * The smallest ε with gaussianDelta(sigma, ε) <= delta (bisection to a relative width of 1e-12,
 * returning the upper end). `sigma` = 0 gives Infinity.
 */
export function gaussianEpsilon(sigma: number, delta: number): number {
  const s = readMultiplier(sigma, 'gaussianEpsilon: sigma');
  const d = readDelta(delta, 'gaussianEpsilon: delta');
  return gaussianEpsilonRaw(s, d);
}

// ---- the user-facing pair

/** ε after `rounds` rounds (arguments already checked). */
function epsilonOf(z: number, q: number, rounds: number, delta: number): number {
  if (rounds === 0 || q === 0) return 0;
  if (z === 0) return Infinity;
  const exact = gaussianEpsilonRaw(z / Math.sqrt(rounds), delta);
  if (q === 1) return exact;
  const rdp = DEFAULT_RDP_ORDERS.map((a) => rounds * rdpOne(q, z, a));
  return Math.min(exact, epsilonAndOrderFromRdp(DEFAULT_RDP_ORDERS, rdp, delta).epsilon);
}

/**
 * ε of (ε, δ)-DP after `rounds` rounds of the Poisson-subsampled Gaussian mechanism (client-level
 * DP with `samplingRate` = expected clients per round ÷ all clients). 0 when `samplingRate` or
 * `rounds` is 0; Infinity when `noiseMultiplier` is 0 (and a client can take part).
 */
export function dpEpsilon(params: DpEpsilonParams): number {
  const { z, q, rounds, delta } = readEpsilonParams(params, 'dpEpsilon');
  return epsilonOf(z, q, rounds, delta);
}

/** DpEpsilonParams read and checked once, each value named by `caller` in its error. */
export function readEpsilonParams(params: unknown, caller: string): { z: number; q: number; rounds: number; delta: number } {
  const o = readObject(params, `${caller}: the argument`, 'an object { noiseMultiplier, samplingRate, rounds, delta }');
  const z = readMultiplier(o.noiseMultiplier, `${caller}: noiseMultiplier`);
  const q = readRate(o.samplingRate, `${caller}: samplingRate`);
  const rounds = readRounds(o.rounds, `${caller}: rounds`);
  const delta = readDelta(o.delta, `${caller}: delta`);
  return { z, q, rounds, delta };
}

/** DpNoiseMultiplierParams read and checked once, each value named by `caller` in its error. */
export function readMultiplierParams(params: unknown, caller: string): { target: number; delta: number; q: number; rounds: number } {
  const o = readObject(params, `${caller}: the argument`, 'an object { epsilon, delta, samplingRate, rounds }');
  const target = readTargetEpsilon(o.epsilon, `${caller}: epsilon`);
  const delta = readDelta(o.delta, `${caller}: delta`);
  const q = readRate(o.samplingRate, `${caller}: samplingRate`);
  const rounds = readRounds(o.rounds, `${caller}: rounds`);
  return { target, delta, q, rounds };
}

/**
 * The smallest noise multiplier whose dpEpsilon over `rounds` rounds at `samplingRate` and
 * `delta` is at most `epsilon`. Found by bracketing to a relative width of
 * NOISE_MULTIPLIER_RTOL (1e-6); the returned value is the bracket's upper end, so dpEpsilon of
 * it is <= `epsilon` and the true minimum is at most 1e-6 (relative) below it. 0 when `samplingRate` or `rounds` is 0
 * (no client's data is used, so no noise is needed).
 */
export function dpNoiseMultiplier(params: DpNoiseMultiplierParams): number {
  const { target, delta, q, rounds } = readMultiplierParams(params, 'dpNoiseMultiplier');
  if (rounds === 0 || q === 0) return 0;
  return smallestMultiplier((z) => epsilonOf(z, q, rounds, delta), target, delta, 'dpNoiseMultiplier');
}

/**
 * The smallest multiplier z whose `epsilonAt(z)` is at most `target`, bracketed to a relative
 * width of NOISE_MULTIPLIER_RTOL; the bracket's upper end. `epsilonAt` must not increase with z,
 * be ∞ at 0 and reach 0 for z large enough (every accountant here).
 */
export function smallestMultiplier(epsilonAt: (z: number) => number, target: number, delta: number, caller: string): number {
  // g(z) = log(ε(z) / target): > 0 misses the target, <= 0 meets it.
  const g = (z: number): number => Math.log(epsilonAt(z) / target);
  // Bracket [lo, hi] with g(lo) > 0 >= g(hi), by doubling or halving from 1.
  let lo: number;
  let hi: number;
  let glo: number;
  let ghi: number;
  const g1 = g(1);
  if (g1 <= 0) {
    hi = 1;
    ghi = g1;
    lo = 0.5;
    glo = g(lo);
    while (glo <= 0) {
      hi = lo;
      ghi = glo;
      lo /= 2;
      if (lo < 1e-300) {
        lo = 0;
        glo = Infinity;
        break;
      }
      glo = g(lo);
    }
  } else {
    lo = 1;
    glo = g1;
    hi = 2;
    ghi = g(hi);
    while (ghi > 0) {
      lo = hi;
      glo = ghi;
      hi *= 2;
      if (hi > 1e300) throw new RangeError(`${caller}: no finite noise multiplier meets epsilon ${target} at delta ${delta}`);
      ghi = g(hi);
    }
  }
  // Shrink the bracket to a relative width of NOISE_MULTIPLIER_RTOL: false position on
  // (log z, log ε) with the Illinois rule (log ε is close to linear in log z, so this takes about
  // a third of the evaluations of bisection), bisecting where g is infinite or the step stalls.
  let side = 0; // +1: the last step moved hi, -1: it moved lo
  while (hi - lo > NOISE_MULTIPLIER_RTOL * hi) {
    const w = hi - lo;
    let x = 0.5 * (lo + hi);
    if (lo > 0 && Number.isFinite(glo) && Number.isFinite(ghi) && glo > ghi) {
      const a = Math.log(lo);
      const b = Math.log(hi);
      const t = Math.exp(a + ((b - a) * glo) / (glo - ghi));
      // Keep the step inside the bracket, away from its ends by a little more than the tolerance.
      const margin = Math.min(0.25 * w, 0.5 * NOISE_MULTIPLIER_RTOL * hi);
      if (t > lo + margin && t < hi - margin) x = t;
      else if (t <= lo + margin) x = lo + margin;
      else x = hi - margin;
    }
    const gx = g(x);
    if (gx <= 0) {
      hi = x;
      ghi = gx;
      if (side === 1) glo *= 0.5;
      side = 1;
    } else {
      lo = x;
      glo = gx;
      if (side === -1) ghi *= 0.5;
      side = -1;
    }
  }
  return hi;
}
