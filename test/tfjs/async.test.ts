/**
 * The async ops (SPEC §10): dgpMaskAsync, dgpPruneAsync, dgpPruneGradientsAsync and
 * ErrorFeedback.stepAsync give the bits of the sync ops on every backend, and on the native
 * backend the event loop keeps turning while a 10^8-element selection runs.
 */
import * as tf from '@tensorflow/tfjs-core';

import {
  dgpMask, dgpMaskAsync, dgpPrune, dgpPruneAsync, dgpPruneGradients, dgpPruneGradientsAsync, ErrorFeedback, setBackend,
} from '../../src';
import { BACKENDS, gradient } from '../fl/helpers';
import { sameBits } from '../helpers/reference';
import { useTfjsBackend } from '../helpers/tfjs_backends';

const config = { topRatio: 0.02, bottomRatio: 0.7 };

beforeAll(() => useTfjsBackend('cpu'));
afterEach(() => setBackend('auto'));

describe.each(BACKENDS)('on %s', (backend) => {
  beforeEach(() => setBackend(backend));

  test('dgpMaskAsync and dgpPruneAsync equal the sync ops (int32 and TensorLike too)', async () => {
    const x = tf.tensor(gradient(3 * 1001, 11), [3, 1001]);
    const xi = tf.tensor(Int32Array.from(gradient(500, 12, 1000)), [500], 'int32');
    for (const input of [x, xi, [[1, -5, 0.25], [3, 3, -3]]] as const) {
      const [m1, m2] = [dgpMask(input, config), await dgpMaskAsync(input, config)];
      const [p1, p2] = [dgpPrune(input, { kTop: 1, kBottom: 2 }), await dgpPruneAsync(input, { kTop: 1, kBottom: 2 })];
      expect(m2.dtype).toBe('bool');
      expect(m2.shape).toEqual(m1.shape);
      expect(Array.from(await m2.data())).toEqual(Array.from(m1.dataSync()));
      expect(p2.shape).toEqual(p1.shape);
      expect(sameBits((await p2.data()) as Float32Array, p1.dataSync() as Float32Array)).toBe(true);
      tf.dispose([m1, m2, p1, p2]);
    }
    tf.dispose([x, xi]);
  });

  test('dgpPruneGradientsAsync equals dgpPruneGradients; errors are the same', async () => {
    const grads = { 'conv/kernel': tf.tensor(gradient(3 * 3 * 8 * 16, 1), [3, 3, 8, 16]), 'conv/bias': tf.tensor(gradient(16, 2)) };
    const a = dgpPruneGradients(grads, config);
    const b = await dgpPruneGradientsAsync(grads, config);
    for (const name of Object.keys(grads)) {
      expect(b.pruned[name].shape).toEqual(a.pruned[name].shape);
      expect(sameBits((await b.pruned[name].data()) as Float32Array, a.pruned[name].dataSync() as Float32Array)).toBe(true);
      expect(b.kept[name].indices).toEqual(a.kept[name].indices);
      expect(sameBits(b.kept[name].values, a.kept[name].values)).toBe(true);
    }
    const bad = { w: tf.tensor([1, NaN, 3]) };
    expect(() => dgpPruneGradients(bad, config)).toThrow(/dgpPruneGradients: layer 'w' holds NaN at index 1/);
    await expect(dgpPruneGradientsAsync(bad, config)).rejects.toThrow(/dgpPruneGradientsAsync: layer 'w' holds NaN at index 1/);
    await expect(dgpPruneGradientsAsync(tf.scalar(1) as never, config)).rejects.toThrow(TypeError);
    tf.dispose([...Object.values(grads), ...Object.values(a.pruned), ...Object.values(b.pruned), bad.w]);
  });

  test('ErrorFeedback.stepAsync gives the updates and memories of step, round after round', async () => {
    for (const mode of ['bottom', 'all', 'none'] as const) {
      const sync = new ErrorFeedback(config, { mode });
      const async = new ErrorFeedback(config, { mode });
      for (let round = 0; round < 3; round++) {
        const g = [{ name: 'a', shape: [40, 25], values: gradient(1000, 20 + round) }, { name: 'b', shape: [7], values: gradient(7, 30 + round) }];
        const u1 = sync.step(g);
        const u2 = await async.stepAsync(g);
        expect(u2.round).toBe(round);
        u1.layers.forEach((l, i) => {
          expect(u2.layers[i].indices).toEqual(l.indices);
          expect(sameBits(u2.layers[i].values, l.values)).toBe(true);
        });
        async.memory().forEach((m, i) => expect(sameBits(m.values, sync.memory()[i].values)).toBe(true));
      }
    }
  });

  test('stepAsync: tensors read with data(); other calls wait; a NaN leaves the memory untouched', async () => {
    const ef = new ErrorFeedback(config);
    const t = { w: tf.tensor(gradient(600, 40), [20, 30]) };
    const pending = ef.stepAsync(t);
    expect(() => ef.step(t)).toThrow(/ErrorFeedback.step: a stepAsync call is still pending; await it first/);
    expect(() => ef.memory()).toThrow(/still pending/);
    const u = await pending;
    expect(u.layers[0].shape).toEqual([20, 30]);
    const before = ef.memory()[0].values;
    await expect(ef.stepAsync({ w: tf.tensor(new Float32Array(600).fill(NaN), [20, 30]) })).rejects.toThrow(RangeError);
    expect(sameBits(ef.memory()[0].values, before)).toBe(true);
    expect(ef.completedRounds).toBe(1);
    tf.dispose(Object.values(t));
  });
});

const describeNative = BACKENDS.includes('native') ? describe : describe.skip;

describeNative('native: the event loop keeps turning during a 10^8-element async call', () => {
  test('a 1 ms setInterval fires while dgpMaskAsync selects 10^8 elements', async () => {
    setBackend('native');
    const n = 1e8;
    const values = new Float32Array(n);
    let s = 12345;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) | 0;
      values[i] = s / 2147483648;
    }
    const x = tf.tensor(values);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const start = process.hrtime.bigint();
    const mask = await dgpMaskAsync(x, { topRatio: 0.01, bottomRatio: 0.8 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    clearInterval(timer);
    // Reported, not asserted (speed is for benchmarks): how long the call took, how often the timer ran.
    console.log(`dgpMaskAsync on 10^8 elements (native): ${ms.toFixed(0)} ms, ${ticks} ticks of a 1 ms setInterval`);
    expect(ticks).toBeGreaterThan(10);
    // The same bits as the sync op, and the kept count the counts imply.
    const sync = dgpMask(x, { topRatio: 0.01, bottomRatio: 0.8 });
    const a = mask.dataSync() as Uint8Array;
    const b = sync.dataSync() as Uint8Array;
    let kept = 0;
    let same = true;
    for (let i = 0; i < n; i++) {
      kept += a[i];
      if (a[i] !== b[i]) same = false;
    }
    expect(same).toBe(true);
    expect(kept).toBe(n - 1e6 - 8e7);
    tf.dispose([x, mask, sync]);
  }, 300000);
});
