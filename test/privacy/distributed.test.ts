/**
 * Distributed noise for secure aggregation (SPEC §11 'distributed', §12; issue 21 asks 3 and 4;
 * docs/PRIVACY.md "Distributed noise"): the quantization plan and its headroom rule, the
 * per-client discrete-Gaussian share, the KLS21 accountant, ErrorFeedback.stepSecure, and the
 * same integers on every backend.
 */
import {
  chooseAlignedPositions, decodePositions, DenseLayer, dequantizeSum, distributedRho, distributedTau, dpEpsilon, dpEpsilonDistributed,
  encodePositions, epsilonFromRdp, DEFAULT_RDP_ORDERS, ErrorFeedback, planDistributed, quantizedSensitivity, quantizeValues,
  quantizeWithNoise, SecureRandom, SUM_LIMIT, sumBound, coordinateBound, MAX_CLIENT_SCALE,
} from '../../src';
import { DgpError } from '../../src/errors';
import { tsKernels } from '../../src/backends/ts/kernels';
import { clipInPlace } from '../../src/privacy/clip';
import { BACKENDS, gradient, onBackend } from '../fl/helpers';
import { mulberry32 } from '../../shared-dev/seeded';

const CONFIG = { topRatio: 0.05, bottomRatio: 0.5 };
const SHAPES: Array<[string, number[]]> = [['w', [20, 30]], ['b', [30]], ['out', [30, 4]]];
const D = 20 * 30 + 30 + 30 * 4;

function grads(seed: number, scale = 1): DenseLayer[] {
  return SHAPES.map(([name, shape], i) => ({ name, shape, values: gradient(shape.reduce((a, b) => a * b, 1), seed * 10 + i, scale) }));
}

/** Secure aggregation's result, without the protocol: the word-wise sum modulo 2^32. */
function modSum(inputs: Uint32Array[]): Uint32Array {
  const acc = new Uint32Array(inputs[0].length);
  for (const x of inputs) for (let i = 0; i < acc.length; i++) acc[i] = acc[i] + x[i];
  return acc;
}

function uniformValues(n: number, seed: number, range: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (2 * (next() / 2 ** 32) - 1) * range);
}

function sd(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i];
  m /= xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - m) ** 2;
  return Math.sqrt(v / (xs.length - 1));
}

describe('quantization: plan, sum, dequantize', () => {
  test('quantize → sum mod 2^32 → dequantize equals the float sum within clients·step, and is unbiased', () => {
    const n = 50;
    const d = 20000;
    const plan = planDistributed({ clipNorm: 100, clipRange: 1, noiseMultiplier: 1, minClients: n, maxClients: n, dimension: d });
    const random = SecureRandom.create({ unsafeSeed: 1 });
    const exact = new Float64Array(d);
    const words: Uint32Array[] = [];
    for (let c = 0; c < n; c++) {
      const v = uniformValues(d, c + 1, 1);
      for (let i = 0; i < d; i++) exact[i] += v[i];
      words.push(new Uint32Array(quantizeValues(v, plan.clipRange, plan.inverseStep, random).buffer));
    }
    const sum = dequantizeSum(modSum(words), plan.step);
    let meanErr = 0;
    for (let i = 0; i < d; i++) {
      const err = sum[i] - exact[i];
      // Each client's rounding is below one grid step; the float32 result adds half an ulp.
      expect(Math.abs(err)).toBeLessThan(n * plan.step + Math.abs(exact[i]) * 2 ** -24);
      meanErr += err;
    }
    meanErr /= d;
    // Unbiased: each client's rounding error has mean 0 and variance <= step²/4, so the mean of
    // d coordinates' summed errors has standard deviation <= step·√n / (2√d); allow 6 of them.
    expect(Math.abs(meanErr)).toBeLessThan((6 * plan.step * Math.sqrt(n)) / (2 * Math.sqrt(d)));
  });

  test('a biased rounding (always down) would fail the unbiasedness check', () => {
    const n = 50;
    const d = 20000;
    const step = 1e-3;
    let meanErr = 0;
    for (let c = 0; c < n; c++) {
      const v = uniformValues(d, c + 1, 1);
      for (let i = 0; i < d; i++) meanErr += Math.floor(v[i] / step) * step - v[i];
    }
    meanErr /= d;
    expect(Math.abs(meanErr)).toBeGreaterThan((6 * step * Math.sqrt(n)) / (2 * Math.sqrt(d)));
  });

  test('the mean divides by the expected clients; an empty sum dequantizes to zeros', () => {
    const s = Uint32Array.from([10, 0xfffffff6, 0, 0x7fffffff, 0x80000001]);
    expect(Array.from(dequantizeSum(s, 0.5, 5))).toEqual([1, -1, 0, Math.fround((0x7fffffff * 0.5) / 5), Math.fround((-0x7fffffff * 0.5) / 5)]);
    expect(Array.from(dequantizeSum(new Uint32Array(3), 0.25))).toEqual([0, 0, 0]);
  });

  test.each([
    [1, 1, 1, 10, undefined],
    [10, 100, 1, 79510, undefined],
    [100, 100, 1, 1e6, undefined],
    [100, 10000, 0.5, 1000, 0.01],
    [3, 5, 4, 10, 0.2],
  ])('plan for minClients %i, maxClients %i, z %f, d %i: σ/Δ >= z, headroom holds, scale is the largest that does', (m, n, z, d, range) => {
    const plan = planDistributed({ clipNorm: 1, clipRange: range, noiseMultiplier: z, minClients: m, maxClients: n, dimension: d });
    expect(Number.isInteger(plan.scale) && plan.scale >= 1 && plan.scale <= MAX_CLIENT_SCALE).toBe(true);
    expect(plan.sigma).toBe(Math.sqrt(m) * plan.scale);
    expect(plan.sensitivity).toBe(quantizedSensitivity(1, plan.inverseStep, d));
    expect(plan.achievedMultiplier).toBeGreaterThanOrEqual(z);
    expect(plan.achievedMultiplier).toBeLessThan(z * (1 + 1e-12)); // the grid is as fine as the noise allows
    expect(plan.step).toBe(1 / plan.inverseStep);
    expect(plan.coordinateBound).toBe(coordinateBound(plan.clipRange, plan.inverseStep));
    expect(plan.sumBound).toBe(sumBound(n, plan.coordinateBound, plan.scale));
    expect(plan.sumBound).toBeLessThanOrEqual(SUM_LIMIT);
    if (plan.scale < MAX_CLIENT_SCALE) {
      // One more grid step of noise, with the finer grid it allows, would break the rule.
      const s = plan.scale + 1;
      const inv = ((Math.sqrt(m) * s) / z - Math.sqrt(d)) / 1; // the grid that scale allows (clipNorm 1), a hair too fine
      expect(sumBound(n, coordinateBound(plan.clipRange, inv * (1 - 1e-9)), s)).toBeGreaterThan(SUM_LIMIT);
    }
    expect(plan.wrapProbability).toBeLessThan(1e-70);
  });

  test('headroom: maxClients clients at the extreme values, plus their noise, sum without wrapping', () => {
    const n = 3000;
    const d = 64;
    // clipRange = clipNorm / √d: the vector (±clipRange, ...) has norm clipNorm exactly, so
    // clipping keeps it and every coordinate quantizes to ±(clipRange·inverseStep) or one beyond.
    const plan = planDistributed({ clipNorm: 8, clipRange: 1, noiseMultiplier: 0.5, minClients: 2, maxClients: n, dimension: d });
    expect(plan.sumBound).toBeGreaterThan(0.9 * SUM_LIMIT); // the rule is tight: the grid is as fine as 32 bits allow
    for (const sign of [1, -1]) {
      const random = SecureRandom.create({ unsafeSeed: 7 });
      const v = new Float32Array(d).fill(sign * 1);
      const words: Uint32Array[] = [];
      for (let c = 0; c < n; c++) words.push(quantizeWithNoise(v, plan, random));
      const sum = dequantizeSum(modSum(words), plan.step);
      const noiseSd = Math.sqrt(n) * plan.scale * plan.step;
      for (let i = 0; i < d; i++) {
        expect(Math.sign(sum[i])).toBe(sign); // a wrap would flip the sign
        expect(Math.abs(sum[i] - sign * n)).toBeLessThan(8 * noiseSd + n * plan.step);
      }
    }
    // Three times the clients the plan allows do wrap: the check above can fail.
    const random = SecureRandom.create({ unsafeSeed: 7 });
    const v = new Float32Array(d).fill(1);
    const words: Uint32Array[] = [];
    for (let c = 0; c < 3 * n; c++) words.push(quantizeWithNoise(v, plan, random));
    const sum = dequantizeSum(modSum(words), plan.step);
    expect(Array.from(sum).some((x) => x < 0)).toBe(true);
  });

  test('the summed noise of minClients clients has the planned standard deviation (within 1%)', () => {
    const m = 4;
    const d = 200000;
    const z = 1.3;
    const plan = planDistributed({ clipNorm: 2, noiseMultiplier: z, minClients: m, maxClients: 10, dimension: d });
    const random = SecureRandom.create({ unsafeSeed: 11 });
    const zeros = new Float32Array(d);
    const sum = dequantizeSum(modSum(Array.from({ length: m }, () => quantizeWithNoise(zeros, plan, random))), plan.step);
    // Target, in the values' units: z times the quantized sensitivity, times the step.
    const target = z * plan.sensitivity * plan.step;
    expect(plan.sigma * plan.step).toBeCloseTo(target, 6);
    // The sample sd of 2·10^5 draws has relative standard error 0.16%: 1% is six of them.
    expect(Math.abs(sd(sum) / target - 1)).toBeLessThan(0.01);
    // A plan for half the clients (each client's share √2 smaller) would miss it.
    expect(Math.abs((sd(sum) / target) * Math.SQRT1_2 - 1)).toBeGreaterThan(0.01);
  });

  test('bad arguments: TypeError / RangeError naming the argument and the value', () => {
    const ok = { clipNorm: 1, noiseMultiplier: 1, minClients: 2, maxClients: 4, dimension: 10 };
    const cases: Array<[object, ErrorConstructor, RegExp]> = [
      [{ ...ok, clipNorm: 0 }, RangeError, /planDistributed: clipNorm must be a finite number > 0, got 0/],
      [{ ...ok, clipNorm: '1' }, TypeError, /planDistributed: clipNorm must be a finite number > 0, got "1"/],
      [{ ...ok, clipRange: -1 }, RangeError, /planDistributed: clipRange must be a finite number > 0, got -1/],
      [{ ...ok, noiseMultiplier: 0 }, RangeError, /planDistributed: noiseMultiplier must be a finite number > 0, got 0/],
      [{ ...ok, minClients: 1.5 }, RangeError, /planDistributed: minClients must be an integer in \[1, 2147483647\], got 1\.5/],
      [{ ...ok, maxClients: 1 }, RangeError, /planDistributed: maxClients must be an integer in \[2, 2147483647\], got 1/],
      [{ ...ok, dimension: 0 }, RangeError, /planDistributed: dimension must be an integer in \[1, \d+\], got 0/],
      [{ ...ok, dimension: undefined }, TypeError, /planDistributed: dimension must be an integer .*got undefined/],
      [{ ...ok, maxClients: 2 ** 30 }, RangeError, /planDistributed: no grid fits 32 bits.*maxClients = 1073741824/],
      [{ ...ok, minClients: 1, maxClients: 1, dimension: 2 ** 50, noiseMultiplier: 2 }, RangeError, /rounding term of dimension 1125899906842624 needs a per-client scale/],
    ];
    for (const [p, cls, re] of cases) {
      expect(() => planDistributed(p as never)).toThrow(cls);
      expect(() => planDistributed(p as never)).toThrow(re);
    }
    expect(() => planDistributed(null as never)).toThrow(TypeError);
    expect(() => dequantizeSum(new Int32Array(2) as never, 1)).toThrow(/dequantizeSum: sum must be a Uint32Array/);
    expect(() => dequantizeSum(new Uint32Array(2), 0)).toThrow(/dequantizeSum: step must be a finite number > 0, got 0/);
    expect(() => dequantizeSum(new Uint32Array(2), 1, NaN)).toThrow(/dequantizeSum: divisor must be a finite number > 0, got NaN/);
    const plan = planDistributed(ok);
    expect(() => quantizeWithNoise(new Float32Array(9), plan, SecureRandom.create({ unsafeSeed: 1 }))).toThrow(/plan\.dimension \(10\)/);
    const random = SecureRandom.create({ unsafeSeed: 1 });
    const before = random.position();
    const bad = new Float32Array(10);
    bad[3] = NaN;
    expect(() => quantizeWithNoise(bad, plan, random)).toThrow(/values\[3\] is NaN/);
    expect(random.position()).toEqual(before); // nothing drawn
    expect(() => random.quantizeStochastic(new Float32Array(2), 1, 2 ** 31, new Int32Array(2))).toThrow(RangeError);
    expect(() => random.quantizeStochastic(new Float32Array(2), 1, 2, new Int32Array(3))).toThrow(/out must hold values\.length \(2\) integers, got 3/);
  });

  test('SecureRandom.quantizeStochastic consumes ceil(n / 8) blocks and matches the kernel on that stream', () => {
    const a = SecureRandom.create({ unsafeSeed: 3 });
    const v = uniformValues(17, 5, 3);
    const out = new Int32Array(17);
    a.quantizeStochastic(v, 2, 1000, out);
    expect(a.position()).toEqual({ stream: 0, block: 3 });
    for (let i = 0; i < 17; i++) {
      const y = Math.max(-2, Math.min(2, v[i])) * 1000;
      expect(out[i] === Math.floor(y) || out[i] === Math.floor(y) + 1).toBe(true);
    }
  });
});

test('SecureRandom.quantizeStochastic never reuses a block: a call that would pass block 2^32 - 1 moves to the next nonce', () => {
  const r = SecureRandom.create({ unsafeSeed: 8 });
  (r as unknown as { counter: number }).counter = 2 ** 32 - 2; // two blocks left on stream 0
  const v = uniformValues(24, 9, 1); // 3 blocks
  const out = new Int32Array(24);
  r.quantizeStochastic(v, 1, 1e6, out);
  expect(r.position()).toEqual({ stream: 1, block: 3 });
  const key = new Uint32Array(8);
  key[0] = 8;
  const want = new Int32Array(24);
  tsKernels.quantizeStochastic(key, Uint32Array.from([1, 0, 0]), 0, v, 1, 1e6, want);
  expect(Array.from(out)).toEqual(Array.from(want));
});

describe('the accountant (KLS21)', () => {
  const base = { scale: 1000, sensitivity: 10000, clients: 100, dimension: 1000, rounds: 10, delta: 1e-5 };

  test('τ: 0 for one client, the sum of its terms otherwise', () => {
    expect(distributedTau(0.5, 1)).toBe(0);
    const s = 0.5;
    const byHand = 10 * (Math.exp(-2 * Math.PI ** 2 * s * s * (1 / 2)) + Math.exp(-2 * Math.PI ** 2 * s * s * (2 / 3)));
    expect(distributedTau(s, 3)).toBeCloseTo(byHand, 14);
    expect(distributedTau(8, 1000)).toBeLessThan(1e-250); // the Gaussian limit
    expect(distributedTau(9, 1000)).toBe(0); // the largest term underflows
    // Past 2^20 terms, the tail is bounded by the last exact term: never below the exact sum.
    expect(distributedTau(1, 2 ** 21)).toBeGreaterThanOrEqual(distributedTau(1, 2 ** 20));
  });

  test('the Gaussian limit (τ = 0): RDP α·rounds/(2z²) converted by epsilonFromRdp; a little above the exact Gaussian curve', () => {
    for (const [z, rounds] of [[0.7, 1], [1, 10], [2, 100], [5, 1000]] as const) {
      const sensitivity = (Math.sqrt(base.clients) * base.scale) / z;
      const e = dpEpsilonDistributed({ ...base, sensitivity, rounds });
      const rdp = DEFAULT_RDP_ORDERS.map((a) => (a * rounds) / (2 * z * z));
      expect(e).toBeCloseTo(epsilonFromRdp(DEFAULT_RDP_ORDERS, rdp, base.delta), 10);
      const exact = dpEpsilon({ noiseMultiplier: z, samplingRate: 1, rounds, delta: base.delta });
      expect(e).toBeGreaterThanOrEqual(exact);
      expect(e).toBeLessThan(1.12 * exact);
    }
  });

  test('monotone: ε falls as the scale or the clients grow, rises with the rounds, the sensitivity and (small σ) the dimension', () => {
    const eps = (o: Partial<typeof base> & { samplingRate?: number }) => dpEpsilonDistributed({ ...base, ...o });
    // Small scales, where τ matters: sensitivity tied to σ so that only τ changes with the scale.
    const at = (scale: number, clients: number) => eps({ scale, clients, sensitivity: 3 * scale });
    for (const [lo, hi] of [[0.5, 0.6], [0.6, 0.8], [0.8, 1], [1, 2], [2, 100]]) expect(at(hi, 10)).toBeLessThanOrEqual(at(lo, 10));
    expect(at(0.5, 10)).toBeGreaterThan(at(100, 10)); // τ costs privacy
    for (const [lo, hi] of [[1, 2], [2, 10], [10, 100], [100, 10000]]) expect(eps({ clients: hi })).toBeLessThan(eps({ clients: lo }));
    for (const [lo, hi] of [[1, 2], [2, 10], [10, 1000]]) expect(eps({ rounds: hi })).toBeGreaterThan(eps({ rounds: lo }));
    for (const [lo, hi] of [[100, 1000], [1000, 10000]]) expect(eps({ scale: hi })).toBeLessThan(eps({ scale: lo }));
    expect(eps({ scale: 0.6, sensitivity: 2, dimension: 10000 })).toBeGreaterThan(eps({ scale: 0.6, sensitivity: 2, dimension: 10 }));
    expect(eps({ rounds: 0 })).toBe(0);
    expect(eps({ samplingRate: 0 })).toBe(0);
    expect(eps({ samplingRate: 0.01 })).toBe(eps({})); // no amplification claimed
  });

  test('ρ is KLS21 Theorem 1: ½·min{Δ²/(nσ²) + 2τd, (Δ/(√n·σ) + τ√d)²}', () => {
    for (const [scale, sensitivity, clients, dimension] of [[0.5, 3, 7, 100], [0.7, 10, 50, 10], [1, 4, 2, 1e6], [3, 30, 10, 5]]) {
      const tau = distributedTau(scale, clients);
      const a = sensitivity / (Math.sqrt(clients) * scale);
      const want = 0.5 * Math.min(a * a + 2 * tau * dimension, (a + tau * Math.sqrt(dimension)) ** 2);
      expect(distributedRho({ scale, sensitivity, clients, dimension })).toBeCloseTo(want, 12);
    }
  });

  test('fewer survivors than minClients: ε for the survivors is larger', () => {
    const plan = planDistributed({ clipNorm: 1, noiseMultiplier: 1, minClients: 100, maxClients: 200, dimension: 1000 });
    const at = (clients: number) =>
      dpEpsilonDistributed({ scale: plan.scale, sensitivity: plan.sensitivity, clients, dimension: plan.dimension, rounds: 50, delta: 1e-5 });
    expect(at(50)).toBeGreaterThan(at(100));
    expect(at(25)).toBeGreaterThan(at(50));
    // In the Gaussian limit survivors k give multiplier z·√(k/minClients): 25 of 100 halve it.
    const rdp = DEFAULT_RDP_ORDERS.map((a) => (a * 50) / (2 * 0.5 * 0.5));
    expect(at(25)).toBeCloseTo(epsilonFromRdp(DEFAULT_RDP_ORDERS, rdp, 1e-5), 6);
  });

  test('bad arguments: TypeError / RangeError naming the argument and the value', () => {
    const cases: Array<[object, ErrorConstructor, RegExp]> = [
      [{ ...base, scale: 0.4 }, RangeError, /dpEpsilonDistributed: scale must be a finite number >= 0\.5 .*got 0\.4/],
      [{ ...base, scale: '1' }, TypeError, /dpEpsilonDistributed: scale must be a finite number >= 0\.5, got "1"/],
      [{ ...base, sensitivity: 0 }, RangeError, /dpEpsilonDistributed: sensitivity must be a finite number > 0, got 0/],
      [{ ...base, clients: 0 }, RangeError, /dpEpsilonDistributed: clients must be an integer >= 1, got 0/],
      [{ ...base, dimension: 2.5 }, RangeError, /dpEpsilonDistributed: dimension must be an integer >= 1, got 2\.5/],
      [{ ...base, rounds: -1 }, RangeError, /dpEpsilonDistributed: rounds must be an integer >= 0, got -1/],
      [{ ...base, delta: 1 }, RangeError, /dpEpsilonDistributed: delta must be a number in \(0, 1\), got 1/],
      [{ ...base, delta: undefined }, TypeError, /dpEpsilonDistributed: delta must be a number in \(0, 1\), got undefined/],
      [{ ...base, samplingRate: 2 }, RangeError, /dpEpsilonDistributed: samplingRate must be a number in \[0, 1\], got 2/],
    ];
    for (const [p, cls, re] of cases) {
      expect(() => dpEpsilonDistributed(p as never)).toThrow(cls);
      expect(() => dpEpsilonDistributed(p as never)).toThrow(re);
    }
    expect(() => dpEpsilonDistributed(5 as never)).toThrow(TypeError);
  });
});

describe("ErrorFeedback with noise 'distributed'", () => {
  const privacy = { noise: 'distributed' as const, clipNorm: 0.5, noiseMultiplier: 1, minClients: 3, maxClients: 20 };

  test('stepSecure (dense): clipped, quantized, noised; the sum of clients dequantizes to the clipped sum within the noise', () => {
    const n = 5;
    const exact = new Float64Array(D);
    const inputs: Uint32Array[] = [];
    let plan = null as ReturnType<typeof planDistributed> | null;
    for (let c = 0; c < n; c++) {
      const ef = new ErrorFeedback(CONFIG, { privacy: { ...privacy, noiseMultiplier: 0.01, unsafeSeed: c + 1 } });
      const g = grads(c + 1, 10);
      const u = ef.stepSecure(g);
      expect(u.round).toBe(0);
      expect(u.positionsId).toBeUndefined();
      expect(u.layers).toEqual(SHAPES.map(([name, shape]) => ({ name, length: shape.reduce((a, b) => a * b, 1) })));
      expect(u.integers.length).toBe(D);
      const clipped = g.map((l) => l.values.slice());
      clipInPlace(clipped, 0.5, 'test');
      let at = 0;
      for (const v of clipped) for (const x of v) exact[at++] += x;
      inputs.push(u.integers);
      plan = u.plan;
      // Dense rounds send every coordinate: memory keeps nothing.
      expect(ef.memory().every((l) => l.values.every((x) => x === 0))).toBe(true);
    }
    expect(plan!.dimension).toBe(D);
    const sum = dequantizeSum(modSum(inputs), plan!.step);
    const noiseSd = Math.sqrt(n) * plan!.scale * plan!.step;
    for (let i = 0; i < D; i++) expect(Math.abs(sum[i] - exact[i])).toBeLessThan(7 * noiseSd + n * plan!.step);
  });

  test('stepSecure is quantizeWithNoise of the clipped vector with the seeded generator', () => {
    const ef = new ErrorFeedback(CONFIG, { privacy: { ...privacy, unsafeSeed: 9 } });
    const g = grads(3, 10);
    const u = ef.stepSecure(g, { round: 4 });
    expect(u.round).toBe(4);
    const clipped = g.map((l) => l.values.slice());
    clipInPlace(clipped, 0.5, 'test');
    const flat = new Float32Array(D);
    let at = 0;
    for (const v of clipped) {
      flat.set(v, at);
      at += v.length;
    }
    const plan = planDistributed({ clipNorm: 0.5, noiseMultiplier: 1, minClients: 3, maxClients: 20, dimension: D });
    expect(u.plan).toEqual(plan);
    expect(Array.from(u.integers)).toEqual(Array.from(quantizeWithNoise(flat, plan, SecureRandom.create({ unsafeSeed: 9 }))));
  });

  test('stepSecure with positions: the aligned values as stepAligned takes them, memory as stepAligned keeps it', () => {
    const positions = decodePositions(encodePositions(chooseAlignedPositions(grads(12), CONFIG, 1)));
    const secure = new ErrorFeedback(CONFIG, { privacy: { ...privacy, unsafeSeed: 2 } });
    const aligned = new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: 0.5, noiseMultiplier: 1 } });
    const u = secure.stepSecure(grads(13, 10), { positions });
    const a = aligned.stepAligned(grads(13, 10), positions, 0);
    expect(u.positionsId).toBe(positions.id);
    expect(u.layers).toEqual(a.layers.map((l) => ({ name: l.name, length: l.values.length })));
    const d = a.layers.reduce((s, l) => s + l.values.length, 0);
    expect(u.plan.dimension).toBe(d);
    const flat = new Float32Array(d);
    let at = 0;
    for (const l of a.layers) {
      flat.set(l.values, at);
      at += l.values.length;
    }
    expect(Array.from(u.integers)).toEqual(Array.from(quantizeWithNoise(flat, u.plan, SecureRandom.create({ unsafeSeed: 2 }))));
    expect(secure.memory()).toEqual(aligned.memory());
  });

  test('privacySpent composes each round with its own plan; fewer clients cost more ε', () => {
    const ef = new ErrorFeedback(CONFIG, { privacy: { ...privacy, unsafeSeed: 1 } });
    expect(ef.privacySpent({ delta: 1e-5 }).epsilon).toBe(0);
    const positions = decodePositions(encodePositions(chooseAlignedPositions(grads(12), CONFIG, 1)));
    const u1 = ef.stepSecure(grads(1));
    const u2 = ef.stepSecure(grads(2), { positions });
    const spent = ef.privacySpent({ delta: 1e-5 });
    const rho = [u1.plan, u2.plan].reduce(
      (r, p) => r + distributedRho({ scale: p.scale, sensitivity: p.sensitivity, clients: 3, dimension: p.dimension }),
      0,
    );
    const rdp = DEFAULT_RDP_ORDERS.map((a) => a * rho);
    expect(spent.epsilon).toBeCloseTo(epsilonFromRdp(DEFAULT_RDP_ORDERS, rdp, 1e-5), 12);
    expect(spent).toMatchObject({ rounds: 2, samplingRate: 1, clients: 3, delta: 1e-5 });
    expect(spent.noiseMultiplier).toBeGreaterThanOrEqual(1);
    expect(spent.noiseMultiplier).toBeLessThan(1 + 1e-9);
    // Same plan twice: the same as dpEpsilonDistributed over two rounds.
    const ef2 = new ErrorFeedback(CONFIG, { privacy });
    ef2.stepSecure(grads(1));
    ef2.stepSecure(grads(2));
    const p = u1.plan;
    expect(ef2.privacySpent({ delta: 1e-5 }).epsilon).toBe(
      dpEpsilonDistributed({ scale: p.scale, sensitivity: p.sensitivity, clients: 3, dimension: D, rounds: 2, delta: 1e-5 }),
    );
    const fewer = ef2.privacySpent({ delta: 1e-5, clients: 1 });
    expect(fewer.epsilon).toBeGreaterThan(ef2.privacySpent({ delta: 1e-5 }).epsilon);
    expect(fewer.noiseMultiplier).toBeCloseTo(1 / Math.sqrt(3), 9);
    expect(() => ef2.privacySpent({ delta: 1e-5, samplingRate: 0.1 })).toThrow(/samplingRate must be 1 or absent for noise 'distributed'/);
    expect(() => ef2.privacySpent({ delta: 1e-5, rounds: 10 })).toThrow(TypeError);
    expect(() => ef2.privacySpent({ delta: 1e-5, clients: 0 })).toThrow(/options\.clients must be an integer in \[1, 2\^31 - 1\] .*got 0/);
    expect(() => new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: 1, noiseMultiplier: 1 } }).privacySpent({ delta: 1e-5, clients: 3 })).toThrow(
      /options\.clients is only for noise 'distributed'/,
    );
  });

  test('plain step, stepAsync and stepAligned are refused (per-client positions would leak; aligned values would go unnoised)', async () => {
    const ef = new ErrorFeedback(CONFIG, { privacy });
    expect(() => ef.step(grads(1))).toThrow(DgpError);
    expect(() => ef.step(grads(1))).toThrow(/ErrorFeedback\.step: noise 'distributed' refuses an update with per-client positions.*would leak.*stepSecure/);
    await expect(ef.stepAsync(grads(1))).rejects.toThrow(/ErrorFeedback\.stepAsync: noise 'distributed' refuses an update with per-client positions/);
    const positions = decodePositions(encodePositions(chooseAlignedPositions(grads(12), CONFIG, 1)));
    expect(() => ef.stepAligned(grads(1), positions)).toThrow(/stepAligned would send the clipped values without noise; use stepSecure\(grads, \{ positions \}\)/);
    expect(() => ef.stepSecure(grads(1), positions as never)).toThrow(/got what looks like positions themselves; pass stepSecure\(grads, \{ positions \}\)/);
    expect(() => ef.stepSecure(grads(1), { round: -1 })).toThrow(RangeError);
    expect(() => ef.stepSecure(grads(1), { positions: 5 as never })).toThrow(/ErrorFeedback\.stepSecure: options\.positions/);
    expect(ef.completedRounds).toBe(0);
    expect(() => new ErrorFeedback(CONFIG).stepSecure(grads(1))).toThrow(/ErrorFeedback\.stepSecure: needs options\.privacy with noise 'distributed'.*no options\.privacy/);
    expect(() => new ErrorFeedback(CONFIG, { privacy: { noise: 'local', clipNorm: 1, noiseMultiplier: 1 } }).stepSecure(grads(1))).toThrow(/got noise 'local'/);
  });

  test('a plan that does not fit leaves the state untouched', () => {
    const ef = new ErrorFeedback(CONFIG, { privacy: { ...privacy, minClients: 1, maxClients: 2 ** 31 - 1 } });
    expect(() => ef.stepSecure(grads(1))).toThrow(/no grid fits 32 bits/);
    expect(ef.completedRounds).toBe(0);
    expect(ef.memory()).toEqual([]);
  });

  test('options: bad minClients, maxClients, clipRange; distributed-only fields refused elsewhere', () => {
    const cases: Array<[object, ErrorConstructor, RegExp]> = [
      [{ ...privacy, minClients: 0 }, RangeError, /options\.privacy\.minClients must be an integer in \[1, 2\^31 - 1\], got 0/],
      [{ ...privacy, maxClients: 2 }, RangeError, /options\.privacy\.maxClients must be an integer in \[3, 2\^31 - 1\], got 2/],
      [{ ...privacy, maxClients: '20' }, TypeError, /options\.privacy\.maxClients must be an integer in \[3, 2\^31 - 1\], got "20"/],
      [{ ...privacy, clipRange: 0 }, RangeError, /options\.privacy\.clipRange must be a finite number > 0, got 0/],
      [{ ...privacy, noiseMultiplier: 0 }, RangeError, /options\.privacy\.noiseMultiplier must be a finite number > 0 .*got 0/],
      [{ noise: 'central', clipNorm: 1, noiseMultiplier: 1, minClients: 3 }, TypeError, /options\.privacy\.minClients is only for noise 'distributed'/],
    ];
    for (const [p, cls, re] of cases) {
      expect(() => new ErrorFeedback(CONFIG, { privacy: p as never })).toThrow(cls);
      expect(() => new ErrorFeedback(CONFIG, { privacy: p as never })).toThrow(re);
    }
    expect(new ErrorFeedback(CONFIG, { privacy: { ...privacy, clipRange: 0.1, unsafeSeed: 1 } }).privacy).toEqual({
      noise: 'distributed', clipNorm: 0.5, noiseMultiplier: 1, minClients: 3, maxClients: 20, clipRange: 0.1,
    });
  });

  test('no Math.random in stepSecure', () => {
    const spy = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random called');
    });
    try {
      new ErrorFeedback(CONFIG, { privacy }).stepSecure(grads(1));
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  test.each(BACKENDS)('the same integers on %s as on ts (dense and aligned)', (backend) => {
    const positions = decodePositions(encodePositions(chooseAlignedPositions(grads(12), CONFIG, 1)));
    const run = () => {
      const ef = new ErrorFeedback(CONFIG, { privacy: { ...privacy, unsafeSeed: 42 } });
      const a = ef.stepSecure(grads(5, 3));
      const b = ef.stepSecure(grads(6, 3), { positions });
      return [Array.from(a.integers), Array.from(b.integers), ef.memory()];
    };
    const want = onBackend('ts', run);
    expect(onBackend(backend, run)).toEqual(want);
  });
});
