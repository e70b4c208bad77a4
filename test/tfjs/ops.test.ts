/** tfjs ops on the cpu and wasm tfjs backends: values, shapes, dtypes, validation, no leaks. */
import * as tf from '@tensorflow/tfjs-core';

import { DEFAULT_CONFIG, dgpMask, dgpPrune, dgpPruneGradients, dualTopBottomK } from '../../src';
import { makeInput, referenceCodes, sameBits } from '../helpers/reference';
import { useTfjsBackend } from '../helpers/tfjs_backends';

describe.each(['cpu', 'wasm'] as const)('on tfjs backend %s', (backendName) => {
  beforeAll(async () => {
    await useTfjsBackend(backendName);
  });

  test('dgpMask and dgpPrune match the reference, keep shape, leak nothing', () => {
    const values = makeInput('lognormal', 6 * 50, 1);
    const x = tf.tensor(values, [6, 50]);
    const before = tf.memory().numTensors;
    const mask = dgpMask(x, { topRatio: 0.05, bottomRatio: 0.6 });
    const pruned = dgpPrune(x, { kTop: 15, kBottom: 180 });
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(mask.dtype).toBe('bool');
    expect(mask.shape).toEqual([6, 50]);
    expect(pruned.dtype).toBe('float32');
    expect(pruned.shape).toEqual([6, 50]);
    const codes = referenceCodes(values, 15, 180);
    expect(Array.from(mask.dataSync())).toEqual(Array.from(codes, (c) => (c === 1 ? 1 : 0)));
    const expected = values.map((v, i) => (codes[i] === 1 ? v : 0));
    expect(sameBits(pruned.dataSync() as Float32Array, expected)).toBe(true);
    tf.dispose([x, mask, pruned]);
  });

  test('TensorLike inputs and int32 tensors are accepted (int32 cast to float32)', () => {
    const before = tf.memory().numTensors;
    const a = dgpPrune([[3, -1], [0.5, -4]], { kTop: 1, kBottom: 1 });
    expect(Array.from(a.dataSync())).toEqual([3, -1, 0, 0]);
    expect(a.shape).toEqual([2, 2]);
    const i = tf.tensor([5, -7, 1, 2], [4], 'int32');
    const m = dgpMask(i, { kTop: 1, kBottom: 2 });
    expect(Array.from(m.dataSync())).toEqual([1, 0, 0, 0]);
    tf.dispose([a, i, m]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('bad dtypes and configs are rejected in the style of tfjs ops, without leaks', () => {
    const b = tf.tensor([true, false], [2], 'bool');
    const s = tf.tensor(['a'], [1], 'string');
    const x = tf.tensor([1, 2, 3]);
    const before = tf.memory().numTensors;
    expect(() => dgpMask(b, { kTop: 0, kBottom: 0 })).toThrow(new TypeError('dgpMask: x must have dtype float32 or int32, got bool'));
    expect(() => dgpPrune(s, { kTop: 0, kBottom: 0 })).toThrow(TypeError);
    expect(() => dgpPrune(x, { topRatio: 2, bottomRatio: 0 })).toThrow(/dgpPrune: config.topRatio must be a finite number in \[0, 1\], got 2/);
    expect(() => dgpPrune(x, { topRatio: 0.1 } as never)).toThrow(/config.bottomRatio must be a number .* got undefined/);
    expect(() => dgpPrune(x, { kTop: 2, kBottom: 2 })).toThrow(/kTop 2 \+ kBottom 2 exceeds the layer size 3/);
    expect(() => dgpPrune(x, null as never)).toThrow(/config must be \{topRatio, bottomRatio\} or \{kTop, kBottom\}, got null/);
    expect(() => dgpPrune('abc' as never, { kTop: 0, kBottom: 0 })).toThrow(/x must be a Tensor or TensorLike, got "abc"/);
    expect(() => dgpPrune(tf.tensor([1, NaN]), { kTop: 0, kBottom: 0 })).toThrow(/holds NaN at index 1/);
    // The tensor created inline above is the caller's; everything the op made itself is gone.
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([b, s, x]);
  });

  test('dgpPruneGradients on tf.variableGrads output: pruned map and sparse kept sets', () => {
    const w = tf.variable(tf.tensor(makeInput('uniform', 40 * 10, 2), [40, 10]));
    const bias = tf.variable(tf.zeros([10]));
    const xs = tf.tensor(makeInput('uniform', 8 * 40, 3), [8, 40]);
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(tf.add(tf.matMul(xs, w), bias))) as tf.Scalar, [w, bias]);
    const before = tf.memory().numTensors;
    const { pruned, kept } = dgpPruneGradients(grads, { topRatio: 0.01, bottomRatio: 0.8 });
    expect(tf.memory().numTensors).toBe(before + Object.keys(grads).length);
    for (const name of Object.keys(grads)) {
      const g = grads[name].dataSync() as Float32Array;
      const n = g.length;
      const kTop = Math.floor(0.01 * n + 1e-6), kBottom = Math.floor(0.8 * n + 1e-6);
      const codes = referenceCodes(g, kTop, kBottom);
      expect(pruned[name].shape).toEqual(grads[name].shape);
      expect(kept[name].shape).toEqual(grads[name].shape);
      const idx: number[] = [];
      codes.forEach((c, i) => c === 1 && idx.push(i));
      expect(Array.from(kept[name].indices)).toEqual(idx);
      expect(sameBits(kept[name].values, Float32Array.from(idx, (i) => g[i]))).toBe(true);
    }
    tf.dispose([w, bias, xs, value, ...Object.values(grads), ...Object.values(pruned)]);
  });

  test('dgpPruneGradients rejects a non-map and names the bad layer', () => {
    expect(() => dgpPruneGradients(tf.scalar(1) as never, { kTop: 0, kBottom: 0 })).toThrow(/grads must be a NamedTensorMap/);
    const g = { ok: tf.tensor([1, 2]), bad: tf.tensor([1, Infinity]) };
    expect(() => dgpPruneGradients(g, { kTop: 0, kBottom: 0 })).toThrow("dgpPruneGradients: layer 'bad' holds Infinity at index 1; gradients must be finite");
    tf.dispose(Object.values(g));
  });
});

test('dualTopBottomK equals dgpMask on the same data', () => {
  const values = makeInput('fewValues', 500, 4);
  const codes = dualTopBottomK(values, 20, 300);
  const m = dgpMask(values, { kTop: 20, kBottom: 300 });
  expect(Array.from(m.dataSync())).toEqual(Array.from(codes, (c) => (c === 1 ? 1 : 0)));
  m.dispose();
});

test('without a config the evaluated defaults apply (no top set, bottom 90%)', () => {
  const values = makeInput('lognormal', 1000, 6);
  expect(DEFAULT_CONFIG).toEqual({ topRatio: 0, bottomRatio: 0.9 });
  const m = dgpMask(values);
  const codes = referenceCodes(values, 0, 900);
  expect(Array.from(m.dataSync())).toEqual(Array.from(codes, (c) => (c === 1 ? 1 : 0)));
  m.dispose();
  // A config that is present but incomplete is still an error, not a default.
  expect(() => dgpMask(values, { topRatio: 0.05 } as never)).toThrow(/config.bottomRatio must be a number .* got undefined/);
});
