/** L2 clipping over all layers (src/privacy/clip.ts, SPEC §11): exact, deterministic, never above clipNorm. */
import { clipInPlace, l2Norm } from '../../src/privacy/clip';
import { rng } from '../fl/helpers';

/** The float64 norm in the documented order, written out independently. */
function refNorm(layers: Float32Array[]): number {
  let s = 0;
  for (const v of layers) for (const x of v) s += x * x;
  return Math.sqrt(s);
}

describe('l2Norm', () => {
  test('sums squares in float64, layer by layer, in index order', () => {
    const r = rng(1);
    const layers = [3, 1, 100, 7].map((n) => Float32Array.from({ length: n }, () => (r() - 0.5) * 10));
    expect(l2Norm(layers)).toBe(refNorm(layers));
    expect(l2Norm([new Float32Array([3]), new Float32Array([4])])).toBe(5);
    expect(l2Norm([])).toBe(0);
  });
});

describe('clipInPlace', () => {
  test('an update within the bound is left bit-identical (scale 1)', () => {
    const v = [new Float32Array([0.5, -0.5]), new Float32Array([0.5, 0.5])];
    const before = v.map((x) => x.slice());
    expect(clipInPlace(v, 1, 'test')).toEqual({ norm: 1, scale: 1 });
    expect(v).toEqual(before);
  });

  test('clips all layers together by one factor min(1, C/‖v‖), each product rounded to float32 once', () => {
    const v = [new Float32Array([3, 0]), new Float32Array([4])];
    const { norm, scale } = clipInPlace(v, 1, 'test');
    expect(norm).toBe(5);
    expect(scale).toBeLessThanOrEqual(0.2);
    expect(scale).toBeGreaterThan(0.2 * (1 - 1e-6));
    expect(Array.from(v[0])).toEqual([Math.fround(3 * scale), 0]);
    expect(Array.from(v[1])).toEqual([Math.fround(4 * scale)]);
    expect(l2Norm(v)).toBeLessThanOrEqual(1);
  });

  test('adversarial inputs: the clipped norm never exceeds clipNorm, though plain scaling would', () => {
    const r = rng(7);
    let plainOver = 0;
    for (let t = 0; t < 3000; t++) {
      const layers = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
        const n = 1 + Math.floor(r() * (t % 3 === 0 ? 4 : 200));
        // Many equal values (their roundings add up in one direction), or a wide spread.
        const base = Math.fround(1 + r());
        return Float32Array.from({ length: n }, () => (t % 2 === 0 ? base : (r() - 0.5) * Math.exp(20 * r() - 10)));
      });
      const C = Math.fround(refNorm(layers) * (0.05 + 0.9 * r())) || 1e-30;
      const plain = layers.map((v) => v.map((x) => x * (C / refNorm(layers))));
      if (refNorm(plain) > C) plainOver++;
      const copy = layers.map((v) => v.slice());
      const { norm, scale } = clipInPlace(layers, C, 'test');
      expect(norm).toBe(refNorm(copy));
      expect(refNorm(layers)).toBeLessThanOrEqual(C);
      expect(scale).toBeLessThanOrEqual(C / norm);
      expect(scale).toBeGreaterThan((C / norm) * (1 - 1e-5));
      layers.forEach((v, li) => v.forEach((x, i) => expect(x).toBe(Math.fround(copy[li][i] * scale))));
    }
    // The nudge is needed: plain scaling overshoots on a good share of these inputs.
    expect(plainOver).toBeGreaterThan(50);
  });

  test('deterministic: the same input gives the same bits', () => {
    const make = () => [Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 7), Float32Array.from({ length: 10 }, () => 1)];
    const a = make();
    const b = make();
    clipInPlace(a, 0.5, 'test');
    clipInPlace(b, 0.5, 'test');
    expect(a).toEqual(b);
  });

  test('a NaN or Infinity is a RangeError naming the layer and index; nothing is written', () => {
    const v = [new Float32Array([1, 2]), new Float32Array([3, NaN])];
    const before = v.map((x) => x.slice());
    expect(() => clipInPlace(v, 1, 'ErrorFeedback.step', ['a', 'b'])).toThrow(new RangeError("ErrorFeedback.step: layer 'b' holds NaN at index 1; gradients must be finite"));
    expect(v).toEqual(before);
  });
});
