/**
 * The proven accountant for the Poisson-subsampled discrete Gaussian (src/privacy/
 * discrete_accountant.ts, Zhu and Wang's general bound): it bounds the exact Rényi divergence of
 * the subsampled discrete Gaussian, computed here by summing over the integers in both directions,
 * it agrees with the exact moment at order 2, and it is never below dpEpsilon's value.
 */
import {
  dpEpsilon, dpEpsilonDiscreteGaussian, dpNoiseMultiplier, dpNoiseMultiplierDiscreteGaussian, INTEGER_RDP_ORDERS, rdpSubsampledDiscreteGaussian,
  rdpSubsampledGaussian,
} from '../../src';
import { logAdd, logSumExp } from '../../src/privacy/special';

/**
 * The exact RDP at integer order α of M(D) = k + N_Z(0, t²) with Poisson sampling: the larger of
 * D_α(mix ‖ base) and D_α(base ‖ mix), mix = (1-q)·N_Z(0, t²) + q·N_Z(Δ, t²) (an integer shift Δ,
 * so both share one normaliser, which cancels).
 */
function exactRdp(q: number, t: number, shift: number, alpha: number): number {
  const reach = alpha * shift + 60 * t;
  const mixOverBase: number[] = [];
  const baseOverMix: number[] = [];
  let logNorm = -Infinity;
  for (let z = -reach; z <= reach; z++) logNorm = logAdd(logNorm, -(z * z) / (2 * t * t));
  for (let z = -reach; z <= reach; z++) {
    const l0 = -(z * z) / (2 * t * t) - logNorm;
    const l1 = -((z - shift) * (z - shift)) / (2 * t * t) - logNorm;
    const lm = logAdd(Math.log1p(-q) + l0, Math.log(q) + l1);
    mixOverBase.push(alpha * lm + (1 - alpha) * l0);
    baseOverMix.push(alpha * l0 + (1 - alpha) * lm);
  }
  return Math.max(logSumExp(mixOverBase), logSumExp(baseOverMix)) / (alpha - 1);
}

describe('dpEpsilonDiscreteGaussian: a proven bound for central mode\'s noise', () => {
  test('bounds the exact RDP of the subsampled discrete Gaussian, both directions, at every case tried; so does the continuous value dpEpsilon uses (evidence, not a proof)', () => {
    let cases = 0;
    for (const t of [1, 2, 4])
      for (const shift of [1, 2, 4])
        for (const q of [0.001, 0.01, 0.1, 0.5, 0.9])
          for (const alpha of [2, 3, 4, 6, 8, 16, 32]) {
            const exact = exactRdp(q, t, shift, alpha);
            const bound = rdpSubsampledDiscreteGaussian(q, t / shift, [alpha])[0];
            const continuous = rdpSubsampledGaussian(q, t / shift, [alpha])[0];
            expect({ t, shift, q, alpha, holds: exact <= bound * (1 + 1e-9) + 1e-15, belowContinuous: exact <= continuous * (1 + 1e-9) + 1e-15 })
              .toEqual({ t, shift, q, alpha, holds: true, belowContinuous: true });
            cases++;
          }
    expect(cases).toBe(315);
  });

  test('order 2 is the exact moment (the bound is tight there); from order 3 it is at least the continuous value', () => {
    for (const [q, z] of [[0.1, 1.1958], [0.01, 2.5], [0.5, 0.8]]) {
      const cont = rdpSubsampledGaussian(q, z, INTEGER_RDP_ORDERS);
      const disc = rdpSubsampledDiscreteGaussian(q, z);
      expect(disc[0]).toBeCloseTo(cont[0], 12);
      for (let i = 1; i < cont.length; i++) expect(disc[i]).toBeGreaterThanOrEqual(cont[i] * (1 - 1e-12));
    }
  });

  test('the edges: q = 1 is α/(2z²), q = 0 or no rounds is 0, z = 0 is ∞; never below dpEpsilon', () => {
    expect(rdpSubsampledDiscreteGaussian(1, 2, [2, 10])).toEqual([2 / 8, 10 / 8]);
    expect(rdpSubsampledDiscreteGaussian(0, 2, [5])).toEqual([0]);
    expect(dpEpsilonDiscreteGaussian({ noiseMultiplier: 1, samplingRate: 0.1, rounds: 0, delta: 1e-5 })).toBe(0);
    expect(dpEpsilonDiscreteGaussian({ noiseMultiplier: 0, samplingRate: 0.1, rounds: 1, delta: 1e-5 })).toBe(Infinity);
    for (const [z, q, rounds] of [[1.1958, 0.1, 200], [3.2371, 0.1, 200], [1, 0.01, 1000], [0.8, 0.05, 100]]) {
      const p = { noiseMultiplier: z, samplingRate: q, rounds, delta: 1e-5 };
      expect(dpEpsilonDiscreteGaussian(p)).toBeGreaterThanOrEqual(dpEpsilon(p));
    }
    // The evaluation's DP-FedAvg settings (eval/README.md): ε = 8 and 2 by dpEpsilon.
    expect(dpEpsilonDiscreteGaussian({ noiseMultiplier: 1.1958, samplingRate: 0.1, rounds: 200, delta: 1e-5 })).toBeCloseTo(9.755, 2);
    expect(dpEpsilonDiscreteGaussian({ noiseMultiplier: 3.2371, samplingRate: 0.1, rounds: 200, delta: 1e-5 })).toBeCloseTo(3.903, 2);
  });

  test('dpNoiseMultiplierDiscreteGaussian: the smallest multiplier that meets ε by this bound (never below dpNoiseMultiplier\'s)', () => {
    for (const [epsilon, q, rounds] of [[8, 0.1, 200], [2, 0.1, 200], [1, 0.01, 1000]]) {
      const z = dpNoiseMultiplierDiscreteGaussian({ epsilon, delta: 1e-5, samplingRate: q, rounds });
      expect(dpEpsilonDiscreteGaussian({ noiseMultiplier: z, samplingRate: q, rounds, delta: 1e-5 })).toBeLessThanOrEqual(epsilon);
      expect(dpEpsilonDiscreteGaussian({ noiseMultiplier: z * (1 - 2e-6), samplingRate: q, rounds, delta: 1e-5 })).toBeGreaterThan(epsilon);
      expect(z).toBeGreaterThanOrEqual(dpNoiseMultiplier({ epsilon, delta: 1e-5, samplingRate: q, rounds }));
    }
    expect(dpNoiseMultiplierDiscreteGaussian({ epsilon: 8, delta: 1e-5, samplingRate: 0.1, rounds: 200 })).toBeCloseTo(1.3748, 3);
    expect(() => dpNoiseMultiplierDiscreteGaussian({ epsilon: 0, delta: 1e-5, samplingRate: 0.1, rounds: 1 })).toThrow(/^dpNoiseMultiplierDiscreteGaussian: epsilon must be a finite number > 0, got 0$/);
  });

  test('bad arguments are TypeError / RangeError naming the argument', () => {
    const ok = { noiseMultiplier: 1, samplingRate: 0.1, rounds: 10, delta: 1e-5 };
    expect(() => dpEpsilonDiscreteGaussian({ ...ok, noiseMultiplier: NaN })).toThrow(/^dpEpsilonDiscreteGaussian: noiseMultiplier must be a finite number >= 0, got NaN$/);
    expect(() => dpEpsilonDiscreteGaussian({ ...ok, samplingRate: 2 })).toThrow(RangeError);
    expect(() => dpEpsilonDiscreteGaussian({ ...ok, delta: 1 })).toThrow(/delta must be a number in \(0, 1\)/);
    expect(() => dpEpsilonDiscreteGaussian(null as never)).toThrow(TypeError);
    expect(() => rdpSubsampledDiscreteGaussian(0.1, 1, [2.5])).toThrow(/^rdpSubsampledDiscreteGaussian: orders\[0\] must be an integer in \[2, 2\^20\], got 2.5$/);
    expect(() => rdpSubsampledDiscreteGaussian(0.1, 1, ['3' as never])).toThrow(TypeError);
  });
});
