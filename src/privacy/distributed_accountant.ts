/**
 * The accountant for the distributed discrete Gaussian (docs/PRIVACY.md, "Distributed noise",
 * "The bound"). Kairouz, Liu and Steinke 2021 (ICML; arXiv:2102.06387), Theorem 1 (the
 * distributed discrete Gaussian's privacy): let σ >= 1/2 and let Z be
 * the sum of n independent vectors with independent N_Z(0, σ²) coordinates in Z^d. Then for
 * every Δ ∈ Z^d with ‖Δ‖₂ <= Δ₂, adding Z to a query of L2 sensitivity Δ₂ is ½ε²-concentrated
 * DP (for every order α >= 1, D_α <= α·ε²/2) with
 *
 *   ε = min{ √(Δ₂²/(nσ²) + 2τd),  Δ₂/(√n·σ) + τ·√d },   τ = 10·Σ_{k=1}^{n-1} exp(-2π²σ²·k/(k+1)).
 *
 * τ measures how far the sum of n discrete Gaussians is from a discrete Gaussian of variance nσ²;
 * it is 0 for n = 1 and below 10^-58 once σ >= 4 (any n < 2^31), so ε is then the continuous Gaussian's
 * Δ₂/(√n·σ) to float64 precision.
 *
 * Checked against the authors' accounting code (Google's distributed_dp research code, whose
 * Proposition 14 terms imply this ε) and an independent implementation (fl4health, which states
 * this theorem); Proposition 14's sharper form with the L1 sensitivity is not used (its exact
 * statement could not be checked against the paper), which is conservative.
 *
 * Composition: ρ-zCDP per round (ρ = ε²/2) is RDP α·ρ at every order α; `rounds` rounds (each
 * with its own ρ if they differ) add up; the (ε, δ) conversion is the package's (Balle et al.
 * 2020, accountant.ts epsilonFromRdp) on DEFAULT_RDP_ORDERS.
 *
 * Neighbours: one participant's quantized update replaced by zeros (both sums carry all n clients'
 * noise, as in KLS21). Secure aggregation shows the server who took part, so what is protected
 * is the content of an update, not the fact of taking part. Sampling: a samplingRate < 1 is
 * accepted but gives no amplification (the bound for samplingRate 1, which Poisson sampling, a
 * post-processing of the unsampled pair, cannot exceed); amplification of the distributed
 * discrete Gaussian by sampling is not claimed here.
 */
import { describeValue } from '../errors';
import { readObject } from '../read';
import { DEFAULT_RDP_ORDERS, epsilonAndOrderFromRdp, readDelta } from './accountant';

export interface DistributedEpsilonParams {
  /** Each client's discrete-Gaussian scale σ, in grid steps (>= 1/2). */
  scale: number;
  /** The L2 sensitivity Δ₂ of one client's quantized update, in grid steps (> 0; planDistributed's `sensitivity`). */
  sensitivity: number;
  /** n: the clients whose noise is in the sum (an integer >= 1): minClients, or the survivors when fewer. */
  clients: number;
  /** d: coordinates summed (an integer >= 1). */
  dimension: number;
  /** Rounds composed (an integer >= 0). */
  rounds: number;
  /** Target δ, in (0, 1). */
  delta: number;
  /** Probability a client takes part in a round, in [0, 1] (default 1). Any value > 0 gives the bound for 1 (no amplification). */
  samplingRate?: number;
}

/** Terms of τ summed exactly; further terms (each smaller than the last) are bounded by the last times their count. */
const TAU_EXACT_TERMS = 1 << 20;

/** τ = 10·Σ_{k=1}^{n-1} exp(-2π²σ²·k/(k+1)) (an upper bound past 2^20 terms). */
export function distributedTau(scale: number, clients: number): number {
  const s = readScale(scale, 'distributedTau: scale');
  const n = readClients(clients, 'distributedTau: clients');
  return tauOf(s, n);
}

function tauOf(s: number, n: number): number {
  const c = 2 * Math.PI * Math.PI * s * s;
  if (n <= 1 || Math.exp(-c / 2) === 0) return 0; // the largest term, k = 1, underflows: all do
  const exact = Math.min(n - 1, TAU_EXACT_TERMS);
  let sum = 0;
  for (let k = 1; k <= exact; k++) sum += Math.exp((-c * k) / (k + 1));
  if (n - 1 > exact) sum += (n - 1 - exact) * Math.exp((-c * exact) / (exact + 1)); // terms decrease in k
  return 10 * sum;
}

function readScale(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a finite number >= 0.5, got ${describeValue(v)}`);
  if (!(v >= 0.5 && v < Infinity)) throw new RangeError(`${what} must be a finite number >= 0.5 (KLS21 assume σ >= 1/2), got ${describeValue(v)}`);
  return v;
}

function readClients(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be an integer >= 1, got ${describeValue(v)}`);
  if (!(Number.isSafeInteger(v) && v >= 1)) throw new RangeError(`${what} must be an integer >= 1, got ${describeValue(v)}`);
  return v;
}

function readInteger(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be an integer >= ${min}, got ${describeValue(v)}`);
  if (!(Number.isSafeInteger(v) && v >= min)) throw new RangeError(`${what} must be an integer >= ${min}, got ${describeValue(v)}`);
  return v;
}

function readPositive(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a finite number > 0, got ${describeValue(v)}`);
  if (!(v > 0 && v < Infinity)) throw new RangeError(`${what} must be a finite number > 0, got ${describeValue(v)}`);
  return v;
}

/** ρ of one round (arguments checked): ε²/2 with KLS21's ε. */
function rhoOf(s: number, sensitivity: number, n: number, d: number): number {
  const tau = tauOf(s, n);
  const a = sensitivity / (Math.sqrt(n) * s);
  const e1 = a * a + 2 * tau * d;
  const e2 = (a + tau * Math.sqrt(d)) ** 2;
  return Math.min(e1, e2) / 2;
}

/**
 * ρ such that one round of the distributed discrete Gaussian is ρ-zCDP (ρ = ε²/2, KLS21
 * Theorem 1): per-client scale `scale` (grid steps), one client's L2 sensitivity `sensitivity`
 * (grid steps), `clients` clients' noise in the sum, `dimension` coordinates.
 */
export function distributedRho(params: { scale: number; sensitivity: number; clients: number; dimension: number }): number {
  const o = readObject(params, 'distributedRho: the argument', 'an object {scale, sensitivity, clients, dimension}');
  const s = readScale(o.scale, 'distributedRho: scale');
  const sens = readPositive(o.sensitivity, 'distributedRho: sensitivity');
  const n = readClients(o.clients, 'distributedRho: clients');
  const d = readInteger(o.dimension, 'distributedRho: dimension', 1);
  return rhoOf(s, sens, n, d);
}

/** ε of (ε, δ)-DP for a total zCDP of `rho` (RDP α·ρ on DEFAULT_RDP_ORDERS, converted as accountant.ts does). */
export function epsilonFromRho(rho: number, delta: number): number {
  if (typeof rho !== 'number') throw new TypeError(`epsilonFromRho: rho must be a number >= 0, got ${describeValue(rho)}`);
  if (!(rho >= 0)) throw new RangeError(`epsilonFromRho: rho must be a number >= 0, got ${describeValue(rho)}`);
  readDelta(delta, 'epsilonFromRho: delta');
  if (rho === 0) return 0;
  return epsilonAndOrderFromRdp(DEFAULT_RDP_ORDERS, DEFAULT_RDP_ORDERS.map((a) => a * rho), delta).epsilon;
}

/**
 * ε of (ε, δ)-DP after `rounds` rounds of the distributed discrete Gaussian (KLS21 Theorem 1,
 * composed in zCDP, converted by Balle et al. 2020). With fewer clients than planned (survivors
 * < minClients), pass the survivors as `clients`: the noise in the sum shrinks to √clients·scale
 * and ε grows accordingly. 0 when rounds or samplingRate is 0.
 */
export function dpEpsilonDistributed(params: DistributedEpsilonParams): number {
  const caller = 'dpEpsilonDistributed';
  const o = readObject(params, `${caller}: the argument`, 'an object {scale, sensitivity, clients, dimension, rounds, delta, samplingRate?}');
  const s = readScale(o.scale, `${caller}: scale`);
  const sens = readPositive(o.sensitivity, `${caller}: sensitivity`);
  const n = readClients(o.clients, `${caller}: clients`);
  const d = readInteger(o.dimension, `${caller}: dimension`, 1);
  const rounds = readInteger(o.rounds, `${caller}: rounds`, 0);
  const delta = readDelta(o.delta, `${caller}: delta`);
  const q = o.samplingRate === undefined ? 1 : o.samplingRate;
  if (typeof q !== 'number') throw new TypeError(`${caller}: samplingRate must be a number in [0, 1], got ${describeValue(q)}`);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`${caller}: samplingRate must be a number in [0, 1], got ${describeValue(q)}`);
  if (rounds === 0 || q === 0) return 0;
  return epsilonFromRho(rounds * rhoOf(s, sens, n, d), delta);
}
