/** Every error of SPEC §2-3: right class, message naming the argument and the value, no output. */
import { countsFromRatios, dualTopBottomK, selectLayers } from '../../src';
import { CPU_BACKENDS as backends } from '../helpers/backends';

describe('countsFromRatios', () => {
  test('floor(ratio·n + 1e-6), clamped to n', () => {
    expect(countsFromRatios(1000, 0.01, 0.8)).toEqual({ kTop: 10, kBottom: 800 });
    expect(countsFromRatios(3, 0.1, 0.9)).toEqual({ kTop: 0, kBottom: 2 });
    // 0.29 * 100 = 28.999999999999996 in doubles; the 1e-6 keeps it at 29.
    expect(countsFromRatios(100, 0.29, 0)).toEqual({ kTop: 29, kBottom: 0 });
    expect(countsFromRatios(7, 1, 0)).toEqual({ kTop: 7, kBottom: 0 });
    expect(countsFromRatios(0, 0.5, 0.5)).toEqual({ kTop: 0, kBottom: 0 });
  });
  test.each([
    [[10, 1.5, 0], RangeError, /topRatio must be a finite number in \[0, 1\], got 1.5/],
    [[10, 0, -0.1], RangeError, /bottomRatio .* got -0.1/],
    [[10, NaN, 0], RangeError, /topRatio .* got NaN/],
    [[10, Infinity, 0], RangeError, /topRatio .* got Infinity/],
    [[10, undefined, 0.5], TypeError, /topRatio must be a number .* got undefined/],
    [[10, '0.1', 0.5], TypeError, /topRatio .* got "0.1"/],
    [[10, 0.6, 0.5], RangeError, /kTop 6 \+ kBottom 5 > n 10/],
    [[-1, 0.1, 0.1], RangeError, /n must be a non-negative integer, got -1/],
    [[2.5, 0.1, 0.1], RangeError, /n must be a non-negative integer, got 2.5/],
  ])('countsFromRatios(%p) throws', (args, cls, msg) => {
    const call = () => (countsFromRatios as (...a: unknown[]) => unknown)(...(args as unknown[]));
    expect(call).toThrow(cls as ErrorConstructor);
    expect(call).toThrow(msg as RegExp);
  });
});

describe('dualTopBottomK arguments', () => {
  const g = new Float32Array([1, 2, 3, 4]);
  test.each([
    [[g, -1, 0], RangeError, /kTop must be a non-negative integer, got -1/],
    [[g, 0, 1.5], RangeError, /kBottom must be a non-negative integer, got 1.5/],
    [[g, NaN, 0], RangeError, /kTop .* got NaN/],
    [[g, '1', 0], TypeError, /kTop .* got "1"/],
    [[g, undefined, 0], TypeError, /kTop .* got undefined/],
    [[g, 3, 2], RangeError, /kTop 3 \+ kBottom 2 exceeds the layer size 4/],
    [[new Float64Array(4), 1, 1], TypeError, /values must be a Float32Array, got Float64Array\(4\)/],
    [[[1, 2, 3], 1, 1], TypeError, /values must be a Float32Array, got Array\(3\)/],
    [[new Int32Array(4), 1, 1], TypeError, /got Int32Array\(4\)/],
  ])('dualTopBottomK(%p) throws', (args, cls, msg) => {
    const call = () => (dualTopBottomK as (...a: unknown[]) => unknown)(...(args as unknown[]));
    expect(call).toThrow(cls as ErrorConstructor);
    expect(call).toThrow(msg as RegExp);
  });
});

describe('NaN and Infinity', () => {
  test.each(backends)('%s: RangeError names the layer and the first offending index', (backend) => {
    const a = new Float32Array([1, 2, 3]);
    const b = new Float32Array([1, Infinity, NaN, 4]);
    const c = new Float32Array([NaN]);
    const call = () => selectLayers([{ name: 'dense/kernel', values: a, kTop: 1, kBottom: 1 }, { name: 'dense/bias', values: b, kTop: 0, kBottom: 0 }, { values: c, kTop: 0, kBottom: 0 }], { codes: true }, 'test', backend);
    expect(call).toThrow(RangeError);
    expect(call).toThrow("layer 'dense/bias' holds Infinity at index 1");
    const unnamed = () => selectLayers([{ values: a, kTop: 0, kBottom: 0 }, { values: c, kTop: 0, kBottom: 0 }], { codes: true }, 'test', backend);
    expect(unnamed).toThrow('layer 1 holds NaN at index 0');
    const neg = new Float32Array(70_000).fill(0.5);
    neg[65_537] = -Infinity;
    expect(() => selectLayers([{ values: neg, kTop: 10, kBottom: 10 }], { codes: true }, 'test', backend)).toThrow(
      'layer 0 holds -Infinity at index 65537',
    );
  });

  test('dualTopBottomK reports the index even with k = 0', () => {
    expect(() => dualTopBottomK(new Float32Array([0, 0, NaN]), 0, 0)).toThrow(/index 2/);
  });
});
