/**
 * A proven accountant for the noise the package draws in central mode: the discrete Gaussian,
 * Poisson-subsampled (docs/PRIVACY.md, "The DP argument").
 *
 * dpEpsilon (accountant.ts) uses Mironov, Talwar and Zhang's RDP of the subsampled continuous
 * Gaussian. For the discrete Gaussian the first step of their argument carries over exactly (at
 * integer orders the mixture's moment equals the continuous one term by term), the rest has not
 * been proven. This module uses instead a bound that holds for any mechanism: Zhu and Wang 2019
 * ("Poisson Subsampled Rényi Differential Privacy", ICML: its general upper bound), at integer orders α >= 2,
 * from the base mechanism's RDP ε(ℓ) at the orders ℓ = 2…α:
 *
 *   (α-1)·ε'(α) <= log[ (1-q)^(α-1)·(αq - q + 1) + C(α,2)·q²·(1-q)^(α-2)·e^ε(2)
 *                       + 3·Σ_{ℓ=3..α} C(α,ℓ)·q^ℓ·(1-q)^(α-ℓ)·e^((ℓ-1)·ε(ℓ)) ]
 *
 * with the base RDP of the discrete Gaussian for an integer shift, ε(ℓ) = ℓ/(2z²) (Canonne,
 * Kamath and Steinke 2020; the θ argument in docs/PRIVACY.md), and, at each order, the smaller
 * of that and ε(α) itself (subsampling only post-processes the unsampled mechanism's pairs). It
 * is larger than dpEpsilon's value by the factor 3 on the terms from ℓ = 3, which matter less
 * the smaller q is. Orders: the integers among DEFAULT_RDP_ORDERS (2…63, 128, 256, 512, 1024),
 * composed over rounds and converted as dpEpsilon does (Balle et al. 2020).
 */
import { describeValue } from '../errors';
import { readArray } from '../read';
import {
  DEFAULT_RDP_ORDERS, DpEpsilonParams, DpNoiseMultiplierParams, epsilonAndOrderFromRdp, MAX_RDP_ORDER, readEpsilonParams, readMultiplier,
  readMultiplierParams, readRate, smallestMultiplier,
} from './accountant';
import { logSumExp } from './special';

/** The integer orders of DEFAULT_RDP_ORDERS: the general bound is stated at integer orders only. */
export const INTEGER_RDP_ORDERS: readonly number[] = Object.freeze(DEFAULT_RDP_ORDERS.filter((a) => Number.isInteger(a)));

/** (α-1)·RDP at integer α >= 2 of the Poisson-subsampled mechanism with base RDP `base` (0 < q < 1). */
function logMomentBound(q: number, alpha: number, base: (order: number) => number): number {
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const terms = new Float64Array(alpha);
  terms[0] = (alpha - 1) * log1mq + Math.log1p((alpha - 1) * q);
  let logC = Math.log((alpha * (alpha - 1)) / 2); // log C(α, ℓ), from ℓ = 2 by C(α, ℓ+1) = C(α, ℓ)·(α - ℓ)/(ℓ + 1)
  for (let l = 2; l <= alpha; l++) {
    terms[l - 1] = (l === 2 ? 0 : Math.log(3)) + logC + l * logq + (alpha - l) * log1mq + (l - 1) * base(l);
    logC += Math.log((alpha - l) / (l + 1));
  }
  return logSumExp(terms);
}

/**
 * Rényi DP of ONE round of the Poisson-subsampled discrete Gaussian (sampling rate `q`, noise
 * multiplier `z` in grid units of the sensitivity) at each integer order (default
 * INTEGER_RDP_ORDERS), by Zhu and Wang's general bound. Multiply by the rounds to compose.
 */
export function rdpSubsampledDiscreteGaussian(q: number, z: number, orders: readonly number[] = INTEGER_RDP_ORDERS): number[] {
  const rate = readRate(q, 'rdpSubsampledDiscreteGaussian: q');
  const mult = readMultiplier(z, 'rdpSubsampledDiscreteGaussian: z');
  const ords = orders === INTEGER_RDP_ORDERS ? INTEGER_RDP_ORDERS : readIntegerOrders(orders);
  return ords.map((a) => rdpDiscreteOne(rate, mult, a));
}

function readIntegerOrders(orders: unknown): number[] {
  const what = 'rdpSubsampledDiscreteGaussian: orders';
  const items = readArray(orders, what, 'an Array of integers in [2, 2^20]');
  return items.map((a, i) => {
    if (typeof a !== 'number') throw new TypeError(`${what}[${i}] must be an integer in [2, 2^20], got ${describeValue(a)}`);
    if (!Number.isInteger(a) || a < 2 || a > MAX_RDP_ORDER) throw new RangeError(`${what}[${i}] must be an integer in [2, 2^20], got ${describeValue(a)}`);
    return a;
  });
}

/** RDP at one integer order of one round (arguments already checked). */
function rdpDiscreteOne(q: number, z: number, alpha: number): number {
  if (q === 0) return 0;
  const inv2s2 = 1 / (2 * z * z);
  if (!Number.isFinite(inv2s2)) return Infinity;
  const unsampled = alpha * inv2s2;
  if (q === 1) return unsampled;
  const bound = logMomentBound(q, alpha, (l) => l * inv2s2) / (alpha - 1);
  return Math.max(0, Math.min(unsampled, bound));
}

/** ε after `rounds` rounds (arguments already checked). */
function discreteEpsilonOf(z: number, q: number, rounds: number, delta: number): number {
  if (rounds === 0 || q === 0) return 0;
  if (z === 0) return Infinity;
  const rdp = INTEGER_RDP_ORDERS.map((a) => rounds * rdpDiscreteOne(q, z, a));
  return epsilonAndOrderFromRdp(INTEGER_RDP_ORDERS, rdp, delta).epsilon;
}

/**
 * ε of (ε, δ)-DP after `rounds` rounds of the Poisson-subsampled discrete Gaussian, by a bound
 * proven for it (Zhu and Wang's; see the top of this file): what central mode's noise
 * guarantees without the step dpEpsilon takes from the continuous Gaussian. The same arguments
 * and checks as dpEpsilon.
 */
export function dpEpsilonDiscreteGaussian(params: DpEpsilonParams): number {
  const { z, q, rounds, delta } = readEpsilonParams(params, 'dpEpsilonDiscreteGaussian');
  return discreteEpsilonOf(z, q, rounds, delta);
}

/**
 * The smallest noise multiplier whose dpEpsilonDiscreteGaussian is at most `epsilon`, found as
 * dpNoiseMultiplier finds its own (the same bracketing and tolerance).
 */
export function dpNoiseMultiplierDiscreteGaussian(params: DpNoiseMultiplierParams): number {
  const caller = 'dpNoiseMultiplierDiscreteGaussian';
  const { target, delta, q, rounds } = readMultiplierParams(params, caller);
  if (rounds === 0 || q === 0) return 0;
  return smallestMultiplier((z) => discreteEpsilonOf(z, q, rounds, delta), target, delta, caller);
}
