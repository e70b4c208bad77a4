/**
 * The client pipeline and central mode (SPEC §11, docs/PRIVACY.md "Client pipeline", "Central
 * mode"): error feedback forms p, p is clipped over all layers, 'local' noises every coordinate
 * before the selection, the Aggregator enforces the clip norm and noises the sum once.
 */
import {
  Aggregator, chooseAlignedPositions, decodePositions, DenseLayer, dpEpsilon, encodeAligned, encodePositions, encodeUpdate,
  ErrorFeedback, Update,
} from '../../src';
import { DgpPrivacyError } from '../../src/fl/aggregator';
import { DgpFormatError } from '../../src/fl/errors';
import { decodeAligned, decodeUpdate } from '../../src/fl/wire';
import { valuesSquaredSum } from '../../src/fl/wire_reader';
import { clipInPlace, l2Norm } from '../../src/privacy/clip';
import { SecureRandom } from '../../src/privacy/random';
import { addGaussianNoise } from '../../src/privacy/noise';
import { dualTopBottomK } from '../../src/select';
import { countsFromRatios } from '../../src/counts';
import { BACKENDS, gradient, onBackend } from '../fl/helpers';

const CONFIG = { topRatio: 0.05, bottomRatio: 0.5 };
const SHAPES: Array<[string, number[]]> = [['w', [20, 30]], ['b', [30]], ['out', [30, 4]]];

function grads(seed: number, scale = 1): DenseLayer[] {
  return SHAPES.map(([name, shape], i) => ({ name, shape, values: gradient(shape.reduce((a, b) => a * b, 1), seed * 10 + i, scale) }));
}

/** Coordinates of the model (SHAPES). */
const D = SHAPES.reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
const counts = (n: number) => countsFromRatios(n, CONFIG.topRatio, CONFIG.bottomRatio);

/** The sent values of an update as dense arrays (zeros elsewhere), in layer order. */
function sentValues(u: Update): Float32Array[] {
  return u.layers.map((l) => l.values);
}

describe('client pipeline, central mode (clip only)', () => {
  test('p is clipped over all layers; the selection runs on the clipped p; memory keeps the clipped bottom set', () => {
    const g = grads(1, 10);
    const C = 0.5;
    const ef = new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: C, noiseMultiplier: 1 } });
    const u = ef.step(g);
    const clipped = g.map((l) => l.values.slice());
    const { scale } = clipInPlace(clipped, C, 'test');
    expect(scale).toBeLessThan(1);
    const memory = ef.memory();
    g.forEach((l, li) => {
      const { kTop, kBottom } = counts(l.values.length);
      const codes = dualTopBottomK(clipped[li], kTop, kBottom);
      const kept = [...codes.keys()].filter((i) => codes[i] === 1);
      expect(Array.from(u.layers[li].indices)).toEqual(kept);
      expect(Array.from(u.layers[li].values)).toEqual(kept.map((i) => clipped[li][i]));
      expect(Array.from(memory[li].values)).toEqual(Array.from(clipped[li]).map((x, i) => (codes[i] === 0 ? x : 0)));
    });
    expect(l2Norm(sentValues(u))).toBeLessThanOrEqual(C);
  });

  test('the Aggregator accepts every clipped update; mean divides the sum by expectedClients', () => {
    const C = 1;
    const agg = new Aggregator({ maxElements: 10000, reduce: 'mean', privacy: { clipNorm: C, noiseMultiplier: 0, expectedClients: 8 } });
    const plain = new Aggregator({ maxElements: 10000 });
    for (let c = 0; c < 5; c++) {
      const ef = new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: C, noiseMultiplier: 0 } });
      const bytes = encodeUpdate(ef.step(grads(c + 2, 3)));
      agg.add(bytes);
      plain.add(bytes);
    }
    expect(agg.count).toBe(5);
    const sum = plain.result();
    // The divisor is 8 (expected), not 5 (seen).
    agg.result().forEach((l, li) => {
      // fround(sum64 / 8) = fround(fround(sum64) / 8): a division by a power of two is exact.
      expect(Array.from(l.values)).toEqual(Array.from(sum[li].values).map((x) => Math.fround(x / 8)));
    });
  });
});

describe('client pipeline, local mode', () => {
  test('noise goes on every coordinate before the selection: the sent positions are the selection of clipped + noised p', () => {
    const C = 2;
    const z = 0.7;
    const g = grads(4, 5);
    const ef = new ErrorFeedback(CONFIG, { privacy: { noise: 'local', clipNorm: C, noiseMultiplier: z, unsafeSeed: 42 } });
    const u = ef.step(g);
    // Rebuild it: clip, then noise (same seed, layer order), then select.
    const clipped = g.map((l) => l.values.slice());
    clipInPlace(clipped, C, 'test');
    const random = SecureRandom.create({ unsafeSeed: 42 });
    const noised = clipped.map((v) => {
      const q = v.slice();
      addGaussianNoise(q, z * C, random, 'test');
      return q;
    });
    const memory = ef.memory();
    let differs = 0;
    g.forEach((l, li) => {
      const { kTop, kBottom } = counts(l.values.length);
      const codes = dualTopBottomK(noised[li], kTop, kBottom);
      const kept = [...codes.keys()].filter((i) => codes[i] === 1);
      expect(Array.from(u.layers[li].indices)).toEqual(kept);
      expect(Array.from(u.layers[li].values)).toEqual(kept.map((i) => noised[li][i]));
      // Memory keeps the clipped, un-noised values on the bottom set of the noised ranking.
      expect(Array.from(memory[li].values)).toEqual(Array.from(clipped[li]).map((x, i) => (codes[i] === 0 ? x : 0)));
      const plainCodes = dualTopBottomK(clipped[li], kTop, kBottom);
      differs += codes.filter((c, i) => c !== plainCodes[i]).length;
    });
    expect(differs).toBeGreaterThan(0); // the noise changed what is selected
  });

  test('stepAsync gives the same update and memory as step for the same seed', async () => {
    const opts = { privacy: { noise: 'local' as const, clipNorm: 1, noiseMultiplier: 1, unsafeSeed: 9 } };
    const a = new ErrorFeedback(CONFIG, opts);
    const b = new ErrorFeedback(CONFIG, opts);
    for (let r = 0; r < 2; r++) {
      const ua = a.step(grads(r + 5));
      const ub = await b.stepAsync(grads(r + 5));
      expect(ub).toEqual(ua);
    }
    expect(b.memory()).toEqual(a.memory());
  });

  test('two clients without a seed draw different noise', () => {
    const g = grads(6);
    const a = new ErrorFeedback(CONFIG, { privacy: { noise: 'local', clipNorm: 1, noiseMultiplier: 1 } }).step(g);
    const b = new ErrorFeedback(CONFIG, { privacy: { noise: 'local', clipNorm: 1, noiseMultiplier: 1 } }).step(g);
    expect(a).not.toEqual(b);
    const s1 = new Aggregator({ maxElements: 10000, privacy: { clipNorm: 1, noiseMultiplier: 1 } });
    const s2 = new Aggregator({ maxElements: 10000, privacy: { clipNorm: 1, noiseMultiplier: 1 } });
    const bytes = encodeUpdate(new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: 1, noiseMultiplier: 1 } }).step(g));
    s1.add(bytes);
    s2.add(bytes);
    expect(s1.result()).not.toEqual(s2.result());
  });

  test('no Math.random during a step, an aligned step, or a noised result', async () => {
    const spy = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random called');
    });
    try {
      const ef = new ErrorFeedback(CONFIG, { privacy: { noise: 'local', clipNorm: 1, noiseMultiplier: 1 } });
      ef.step(grads(7));
      await ef.stepAsync(grads(8));
      const positions = decodePositions(encodePositions(chooseAlignedPositions(grads(9), CONFIG, 2)));
      ef.stepAligned(grads(10), positions, 2);
      const agg = new Aggregator({ maxElements: 10000, privacy: { clipNorm: 1, noiseMultiplier: 1 } });
      agg.add(encodeUpdate(new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: 1, noiseMultiplier: 1 } }).step(grads(11))));
      agg.result();
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  test('aligned step: own top set withheld, the sent vector clipped, then every aligned position noised', () => {
    const C = 0.3;
    const positions = decodePositions(encodePositions(chooseAlignedPositions(grads(12), CONFIG, 1)));
    const central = new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: C, noiseMultiplier: 1 } }).stepAligned(grads(13, 10), positions, 1);
    const plain = new ErrorFeedback(CONFIG).stepAligned(grads(13, 10), positions, 1);
    const clipped = plain.layers.map((l) => l.values.slice());
    clipInPlace(clipped, C, 'test');
    expect(central.layers.map((l) => Array.from(l.values))).toEqual(clipped.map((v) => Array.from(v)));
    expect(l2Norm(central.layers.map((l) => l.values))).toBeLessThanOrEqual(C);
    const local = new ErrorFeedback(CONFIG, { privacy: { noise: 'local', clipNorm: C, noiseMultiplier: 1, unsafeSeed: 5 } }).stepAligned(grads(13, 10), positions, 1);
    const random = SecureRandom.create({ unsafeSeed: 5 });
    clipped.forEach((v) => addGaussianNoise(v, C, random, 'test'));
    expect(local.layers.map((l) => Array.from(l.values))).toEqual(clipped.map((v) => Array.from(v)));
    // Withheld positions (sent as 0 without noise) carry noise too.
    const withheld = plain.layers.flatMap((l, li) => [...l.values.keys()].filter((j) => l.values[j] === 0).map((j) => local.layers[li].values[j]));
    expect(withheld.length).toBeGreaterThan(0);
    expect(withheld.some((x) => x !== 0)).toBe(true);
    // A central Aggregator on these positions accepts the clipped upload.
    const agg = new Aggregator({ maxElements: 10000, layout: positions, privacy: { clipNorm: C, noiseMultiplier: 0 } });
    agg.add(encodeAligned(central));
    expect(agg.count).toBe(1);
  });
});

describe('Aggregator, central mode', () => {
  const C = 1;
  const over = (): Uint8Array => encodeUpdate(new ErrorFeedback(CONFIG).step(grads(20, 10))); // unclipped: norm > 1
  const under = (seed: number): Uint8Array => encodeUpdate(new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: C, noiseMultiplier: 1 } }).step(grads(seed, 10)));

  test('rejects an over-norm message naming the norm and the bound; sums, count and weight bit-identical', async () => {
    const agg = new Aggregator({ maxElements: 10000, privacy: { clipNorm: C, noiseMultiplier: 1 } });
    // First message rejected: nothing fixed yet.
    expect(() => agg.add(over())).toThrow(DgpPrivacyError);
    expect(agg.count).toBe(0);
    expect(agg.round).toBeNull();
    agg.add(under(21));
    const before = agg.encodePartial();
    let err: unknown;
    try {
      agg.add(over());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DgpPrivacyError);
    const e = err as DgpPrivacyError;
    expect(e.message).toMatch(/^Aggregator\.add: call 2: the update's L2 norm is [0-9.]+, above options\.privacy\.clipNorm = 1;/);
    expect(e.norm).toBeGreaterThan(1);
    expect(e.clipNorm).toBe(1);
    await expect(agg.addAsync(over())).rejects.toThrow(DgpPrivacyError);
    // A weight that lifts a clipped update above the bound is refused too.
    expect(() => agg.add(under(22), 1e6)).toThrow(/times its weight 1000000/);
    expect(agg.count).toBe(1);
    expect(agg.totalWeight).toBe(1);
    expect(Buffer.from(agg.encodePartial()).equals(Buffer.from(before))).toBe(true);
  });

  test('the norm comes from one walk over the values: equal to l2Norm of the decoded values, bit for bit; a corrupt over-norm message is a format error', () => {
    for (let seed = 0; seed < 40; seed++) {
      // bitmap and delta index codings (dense and sparse layers), updates and aligned uploads
      const ratios = seed % 2 ? CONFIG : { topRatio: 0.01, bottomRatio: 0.97 };
      const u = new ErrorFeedback(ratios).step(grads(100 + seed, 1 + (seed % 5)));
      const bytes = encodeUpdate(u);
      expect(Math.sqrt(valuesSquaredSum(bytes)!)).toBe(l2Norm(decodeUpdate(bytes).layers.map((l) => l.values)));
      const aligned = encodeAligned({ round: 1, positionsId: 7, layers: u.layers.map((l) => ({ name: l.name, values: l.values })) });
      expect(Math.sqrt(valuesSquaredSum(aligned)!)).toBe(l2Norm(decodeAligned(aligned).layers.map((l) => l.values)));
      // any truncation is refused by the walk or gives a sum; never an exception
      for (const cut of [0, 5, 20, 21, bytes.length - 5, bytes.length - 1]) expect(() => valuesSquaredSum(bytes.subarray(0, cut))).not.toThrow();
    }
    // an over-norm message with a bad CRC: the kernel's format error, as before, and nothing added
    const agg = new Aggregator({ maxElements: 10000, privacy: { clipNorm: C, noiseMultiplier: 1 } });
    agg.add(under(30));
    const bad = over();
    bad[bad.length - 1] ^= 1;
    expect(() => agg.add(bad)).toThrow(DgpFormatError);
    expect(agg.count).toBe(1);
  });

  test('noise once: repeated results are identical, and nothing more is summed after it', () => {
    const agg = new Aggregator({ maxElements: 10000, reduce: 'mean', privacy: { clipNorm: C, noiseMultiplier: 2, expectedClients: 4, unsafeSeed: 3 } });
    agg.add(under(23));
    agg.add(under(24));
    const a = agg.result();
    expect(agg.result()).toEqual(a);
    expect(() => agg.add(under(25))).toThrow(/released its noised result/);
    expect(() => agg.merge(agg.encodePartial())).toThrow(/released its noised result/);
    // Same seed, same sums: the same noised result; it differs from the un-noised mean.
    const b = new Aggregator({ maxElements: 10000, reduce: 'mean', privacy: { clipNorm: C, noiseMultiplier: 2, expectedClients: 4, unsafeSeed: 3 } });
    b.add(under(23));
    b.add(under(24));
    expect(b.result()).toEqual(a);
    const noiseless = new Aggregator({ maxElements: 10000, reduce: 'mean', privacy: { clipNorm: C, noiseMultiplier: 0, expectedClients: 4 } });
    noiseless.add(under(23));
    noiseless.add(under(24));
    expect(noiseless.result()).not.toEqual(a);
  });

  test('partials: leaves send un-noised sums, the root adds the noise once', () => {
    const leaf = new Aggregator({ maxElements: 10000, privacy: { clipNorm: C, noiseMultiplier: 1 } });
    leaf.add(under(26));
    const root = new Aggregator({ maxElements: 10000, privacy: { clipNorm: C, noiseMultiplier: 0 } });
    root.merge(leaf.encodePartial());
    const direct = new Aggregator({ maxElements: 10000 });
    direct.add(under(26));
    expect(root.result()).toEqual(direct.result());
  });
});

describe('privacy options', () => {
  const bad: Array<[string, unknown, ErrorConstructor, RegExp]> = [
    ['noise missing', { clipNorm: 1, noiseMultiplier: 1 }, TypeError, /options\.privacy\.noise must be one of 'local', 'central', 'distributed', got undefined/],
    ['noise unknown', { noise: 'global', clipNorm: 1, noiseMultiplier: 1 }, RangeError, /options\.privacy\.noise must be one of 'local', 'central', 'distributed', got "global"/],
    ['distributed without minClients', { noise: 'distributed', clipNorm: 1, noiseMultiplier: 1 }, TypeError, /options\.privacy\.minClients must be an integer in \[1, 2\^31 - 1\], got undefined/],
    ['clipNorm 0', { noise: 'central', clipNorm: 0, noiseMultiplier: 1 }, RangeError, /options\.privacy\.clipNorm must be a finite number > 0, got 0/],
    ['clipNorm NaN', { noise: 'central', clipNorm: NaN, noiseMultiplier: 1 }, RangeError, /options\.privacy\.clipNorm must be a finite number > 0, got NaN/],
    ['clipNorm string', { noise: 'central', clipNorm: '1', noiseMultiplier: 1 }, TypeError, /options\.privacy\.clipNorm must be a finite number > 0, got "1"/],
    ['multiplier negative', { noise: 'central', clipNorm: 1, noiseMultiplier: -1 }, RangeError, /options\.privacy\.noiseMultiplier must be a finite number >= 0, got -1/],
    ['local multiplier 0', { noise: 'local', clipNorm: 1, noiseMultiplier: 0 }, RangeError, /options\.privacy\.noiseMultiplier must be a finite number > 0 .*got 0/],
    ['multiplier missing', { noise: 'local', clipNorm: 1 }, TypeError, /options\.privacy\.noiseMultiplier must be .*got undefined/],
    ['seed negative', { noise: 'local', clipNorm: 1, noiseMultiplier: 1, unsafeSeed: -1 }, RangeError, /options\.privacy\.unsafeSeed must be a safe integer >= 0 or 32 bytes .*got -1/],
    ['seed object', { noise: 'local', clipNorm: 1, noiseMultiplier: 1, unsafeSeed: {} }, TypeError, /options\.privacy\.unsafeSeed must be a number or a Uint8Array/],
    ['privacy not an object', 5, TypeError, /ErrorFeedback: options\.privacy must be an object/],
  ];
  test.each(bad)('ErrorFeedback: %s', (_, privacy, cls, re) => {
    let err: unknown;
    try {
      new ErrorFeedback(CONFIG, { privacy } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(cls);
    expect((err as Error).message).toMatch(/^ErrorFeedback: /);
    expect((err as Error).message).toMatch(re);
  });

  test.each([
    [{ clipNorm: -1, noiseMultiplier: 1 }, RangeError, /new Aggregator: options\.privacy\.clipNorm must be a finite number > 0, got -1/],
    [{ clipNorm: 1, noiseMultiplier: Infinity }, RangeError, /options\.privacy\.noiseMultiplier must be a finite number >= 0, got Infinity/],
    [{ clipNorm: 1, noiseMultiplier: 1, expectedClients: 0 }, RangeError, /options\.privacy\.expectedClients must be a finite number > 0, got 0/],
    [null, TypeError, /new Aggregator: options\.privacy must be an object/],
  ])('Aggregator: %p', (privacy, cls, re) => {
    expect(() => new Aggregator({ maxElements: 10, privacy } as never)).toThrow(cls as ErrorConstructor);
    expect(() => new Aggregator({ maxElements: 10, privacy } as never)).toThrow(re);
  });

  test("Aggregator: 'mean' needs expectedClients", () => {
    expect(() => new Aggregator({ maxElements: 10, reduce: 'mean', privacy: { clipNorm: 1, noiseMultiplier: 1 } })).toThrow(
      /options\.privacy\.expectedClients is needed with reduce 'mean'/,
    );
  });

  test("a caller's own exception from a getter passes through unchanged", () => {
    const mine = new Error('mine');
    const privacy = {
      noise: 'central',
      noiseMultiplier: 1,
      get clipNorm(): number {
        throw mine;
      },
    };
    expect(() => new ErrorFeedback(CONFIG, { privacy } as never)).toThrow(mine);
    expect(() => new Aggregator({ maxElements: 10, privacy } as never)).toThrow(mine);
    const options = {
      get privacy(): never {
        throw mine;
      },
    };
    expect(() => new ErrorFeedback(CONFIG, options as never)).toThrow(mine);
    expect(() => new Aggregator({ maxElements: 10, ...{}, get privacy(): never { throw mine; } } as never)).toThrow(mine);
  });
});

describe('privacySpent', () => {
  test("'local': the exact Gaussian curve at z/2 over the rounds sent", () => {
    const ef = new ErrorFeedback(CONFIG, { privacy: { noise: 'local', clipNorm: 1, noiseMultiplier: 4, unsafeSeed: 1 } });
    for (let r = 0; r < 3; r++) ef.step(grads(30 + r));
    const spent = ef.privacySpent({ delta: 1e-5 });
    // Replace-one sensitivity of the grid-snapped vector: 2·C + g·√d, g = sigma / 2^20, d = 1350.
    const z = 4 / (2 + (4 / 2 ** 20) * Math.sqrt(D));
    expect(z).toBeLessThan(2);
    expect(z).toBeGreaterThan(2 * (1 - 1e-4));
    expect(spent).toEqual({ epsilon: dpEpsilon({ noiseMultiplier: z, samplingRate: 1, rounds: 3, delta: 1e-5 }), delta: 1e-5, rounds: 3, samplingRate: 1, noiseMultiplier: z });
    expect(() => ef.privacySpent({ delta: 1e-5, samplingRate: 0.1 })).toThrow(RangeError);
  });

  test("'central': no amplification by default; with a samplingRate, the server's rounds", () => {
    const ef = new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: 1, noiseMultiplier: 1.1 } });
    ef.step(grads(40));
    ef.step(grads(41));
    const z = 1.1 / (1 + (1.1 / 2 ** 20) * Math.sqrt(D));
    expect(ef.privacySpent({ delta: 1e-5 }).epsilon).toBe(dpEpsilon({ noiseMultiplier: z, samplingRate: 1, rounds: 2, delta: 1e-5 }));
    expect(() => ef.privacySpent({ delta: 1e-5, samplingRate: 0.1 })).toThrow(/options\.rounds .* is needed/);
    expect(ef.privacySpent({ delta: 1e-5, samplingRate: 0.1, rounds: 100 }).epsilon).toBe(
      dpEpsilon({ noiseMultiplier: z, samplingRate: 0.1, rounds: 100, delta: 1e-5 }),
    );
    expect(() => ef.privacySpent({ delta: 2 })).toThrow(RangeError);
    expect(() => new ErrorFeedback(CONFIG).privacySpent({ delta: 1e-5 })).toThrow(/no options\.privacy/);
  });
});

describe('Aggregator, central mode on ADGP positions', () => {
  test('noise on every aligned position only; result() and resultAligned() show the same noised sums', () => {
    const positions = decodePositions(encodePositions(chooseAlignedPositions(grads(50), CONFIG, 3)));
    const agg = new Aggregator({ maxElements: 10000, layout: positions, privacy: { clipNorm: 1, noiseMultiplier: 1, unsafeSeed: 8 } });
    for (let c = 0; c < 3; c++)
      agg.add(encodeAligned(new ErrorFeedback(CONFIG, { privacy: { noise: 'central', clipNorm: 1, noiseMultiplier: 1 } }).stepAligned(grads(51 + c), positions, 3)));
    const aligned = agg.resultAligned();
    const dense = agg.result();
    positions.layers.forEach((p, li) => {
      const on = new Set(p.indices);
      dense[li].values.forEach((x, i) => {
        if (!on.has(i)) expect(x).toBe(0);
      });
      expect(Array.from(p.indices).map((i) => dense[li].values[i])).toEqual(Array.from(aligned.layers[li].values));
    });
    expect(agg.resultAligned()).toEqual(aligned);
  });
});

describe('local mode on every backend', () => {
  test('the same seed gives the same update (bits) on ts, wasm and native', () => {
    const run = (backend: 'ts' | 'wasm' | 'native') =>
      onBackend(backend, () => {
        const ef = new ErrorFeedback(CONFIG, { privacy: { noise: 'local', clipNorm: 1.5, noiseMultiplier: 0.8, unsafeSeed: 77 } });
        return [ef.step(grads(60, 4)), ef.step(grads(61, 4)), ef.memory()];
      });
    const [first, ...rest] = BACKENDS.map(run);
    for (const other of rest) expect(other).toEqual(first);
  });
});
