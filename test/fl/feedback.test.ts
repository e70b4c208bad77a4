/** Error feedback (SPEC §5): exact invariant, bounded memory, the 'all' lock-in, atomicity. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import { dualTopBottomK } from '../../src/select';
import { DgpError } from '../../src/errors';
import { DenseLayer, ErrorFeedback, FeedbackMode, Update } from '../../src/fl';
import { BACKENDS, gradient, onBackend, sameBits } from './helpers';

const SHAPES: Array<[string, number[]]> = [['conv/kernel', [3, 3, 4, 8]], ['conv/bias', [8]], ['dense/kernel', [64, 10]], ['one', []]];

function grads(seed: number, scale = 1): DenseLayer[] {
  return SHAPES.map(([name, shape], i) => ({ name, shape, values: gradient(shape.reduce((a, b) => a * b, 1), seed * 31 + i, scale) }));
}

function dense(update: Update, name: string, n: number): Float32Array {
  const l = update.layers.find((x) => x.name === name)!;
  const out = new Float32Array(n);
  l.indices.forEach((i, j) => (out[i] = l.values[j]));
  return out;
}

describe.each(BACKENDS)('ErrorFeedback on %s', (backend) => {
  test.each<FeedbackMode>(['bottom', 'all', 'none'])('invariant sent + memory + dropped = p on every element (%s)', (mode) => {
    onBackend(backend, () => {
      const config = { topRatio: 0.05, bottomRatio: 0.6 };
      const ef = new ErrorFeedback(config, { mode });
      let memory: Float32Array[] = grads(0).map((l) => new Float32Array(l.values.length));
      for (let round = 0; round < 6; round++) {
        const g = grads(round + 1);
        const update = ef.step(g);
        expect(update.round).toBe(round);
        const after = ef.memory();
        g.forEach((layer, li) => {
          const n = layer.values.length;
          const p = new Float32Array(n);
          for (let i = 0; i < n; i++) p[i] = Math.fround(layer.values[i] + memory[li][i]);
          // Classes from the TypeScript reference ranking of p (independent of the path under test).
          const counts = { kTop: Math.floor(0.05 * n + 1e-6), kBottom: Math.floor(0.6 * n + 1e-6) };
          const codes = onBackend('ts', () => dualTopBottomK(p, counts.kTop, counts.kBottom));
          const sent = dense(update, layer.name, n);
          const mem = after[li].values;
          const wrong: number[] = [];
          for (let i = 0; i < n; i++) {
            const inMemory = codes[i] === 0 ? mode !== 'none' : codes[i] === 2 ? mode === 'all' : false;
            const dropped = codes[i] !== 1 && !inMemory ? p[i] : 0;
            // Exactly one of the three holds p[i], the others are zero; the sum is p exactly.
            const ok =
              sent[i] === (codes[i] === 1 ? p[i] : 0) &&
              mem[i] === (inMemory ? p[i] : 0) &&
              Math.fround(sent[i] + mem[i] + dropped) === p[i];
            if (!ok) wrong.push(i);
          }
          expect(wrong).toEqual([]);
          // The sent values are p's bits exactly (including -0).
          const l = update.layers.find((x) => x.name === layer.name)!;
          l.indices.forEach((i, j) => expect(Object.is(l.values[j], p[i])).toBe(true));
        });
        memory = after.map((l) => l.values);
      }
    });
  });

  test("memory stays bounded over 1000 rounds of random gradients ('bottom')", () => {
    onBackend(backend, () => {
      const ef = new ErrorFeedback({ topRatio: 0.01, bottomRatio: 0.9 });
      const n = 2000;
      let maxMem = 0;
      let maxG = 0;
      for (let round = 0; round < 1000; round++) {
        const g = gradient(n, 1000 + round);
        for (let i = 0; i < n; i++) if (Math.abs(g[i]) > maxG) maxG = Math.abs(g[i]);
        ef.step([{ name: 'w', shape: [n], values: g }]);
        const m = ef.memory()[0].values;
        for (let i = 0; i < n; i++) if (Math.abs(m[i]) > maxMem) maxMem = Math.abs(m[i]);
      }
      // Memory holds only the bottom 90% of |p|, so it cannot outgrow the gradients' own scale:
      // each memory entry is below the 10%-quantile cut of |p|. Measured: well under max |g|.
      expect(maxMem).toBeLessThan(maxG);
    });
  });

  test("'all' locks in a coordinate that stays on top: it grows in memory and is never sent", () => {
    onBackend(backend, () => {
      const n = 100;
      const make = (seed: number): DenseLayer[] => {
        const g = gradient(n, seed, 0.01);
        g[42] = 1; // always the largest: in the top set every round
        return [{ name: 'w', shape: [n], values: g }];
      };
      const all = new ErrorFeedback({ kTop: 1, kBottom: 50 }, { mode: 'all' });
      const bottom = new ErrorFeedback({ kTop: 1, kBottom: 50 });
      for (let round = 1; round <= 20; round++) {
        const ua = all.step(make(round));
        const ub = bottom.step(make(round));
        expect(ua.layers[0].indices).not.toContain(42);
        expect(ub.layers[0].indices).not.toContain(42);
        expect(all.memory()[0].values[42]).toBe(round); // 1 + 1 + ... exactly: the lock-in
        expect(bottom.memory()[0].values[42]).toBe(0); // 'bottom' drops it each round
      }
    });
  });

  test('a NaN/Inf is a RangeError naming the layer and index, and memory is untouched', () => {
    onBackend(backend, () => {
      const ef = new ErrorFeedback({ topRatio: 0.1, bottomRatio: 0.5 });
      ef.step(grads(1));
      const before = ef.memory();
      const bad = grads(2);
      bad[2].values = bad[2].values.slice();
      bad[2].values[17] = NaN;
      expect(() => ef.step(bad)).toThrow(RangeError);
      expect(() => ef.step(bad)).toThrow(/layer 'dense\/kernel'.*index 17/);
      bad[2].values[17] = 0;
      bad[0].values = bad[0].values.slice();
      bad[0].values[3] = -Infinity;
      expect(() => ef.step(bad)).toThrow(/layer 'conv\/kernel'.*index 3/);
      ef.memory().forEach((m, i) => expect(sameBits(m.values, before[i].values)).toBe(true));
      expect(ef.completedRounds).toBe(1);
    });
  });
});

test('the first round fixes the layer set, even after a failed first call', () => {
  const ef = new ErrorFeedback({ topRatio: 0.1, bottomRatio: 0.5 });
  const bad = grads(1);
  bad[1].values = Float32Array.of(NaN, 0, 0, 0, 0, 0, 0, 0);
  expect(() => ef.step(bad)).toThrow(RangeError);
  expect(ef.memory()).toEqual([]);
  ef.step(grads(1));
  expect(() => ef.step(grads(2).slice(1))).toThrow(/layers \[conv\/kernel/);
  const reshaped = grads(2);
  reshaped[2].shape = [10, 64];
  expect(() => ef.step(reshaped)).toThrow(/shape \[10,64\]/);
});

test('inputs are never written and may be views with an offset', () => {
  const ef = new ErrorFeedback({ topRatio: 0.1, bottomRatio: 0.5 });
  const buf = gradient(101, 5);
  const view = buf.subarray(1);
  const copy = buf.slice();
  ef.step([{ name: 'v', shape: [100], values: view }]);
  ef.step([{ name: 'v', shape: [100], values: view }]);
  expect(sameBits(buf, copy)).toBe(true);
});

test('tfjs NamedTensorMap input (int32 cast) and the same result as raw layers', () => {
  const g = grads(3);
  const map: tf.NamedTensorMap = {};
  for (const l of g) map[l.name] = tf.tensor(l.values, l.shape);
  const a = new ErrorFeedback({ topRatio: 0.1, bottomRatio: 0.5 }).step(map);
  const b = new ErrorFeedback({ topRatio: 0.1, bottomRatio: 0.5 }).step(g);
  expect(a).toEqual(b);
  tf.dispose(map);
  const ints = { w: tf.tensor([3, -1, 2, 0], [4], 'int32') };
  expect(new ErrorFeedback({ kTop: 1, kBottom: 1 }).step(ints).layers[0]).toMatchObject({ indices: Uint32Array.of(1, 2) });
  ints.w.dispose();
});

test('every backend gives bit-identical updates and memories over several rounds', () => {
  const runs = BACKENDS.map((b) =>
    onBackend(b, () => {
      const ef = new ErrorFeedback({ topRatio: 0.02, bottomRatio: 0.8 });
      const updates = [1, 2, 3, 4].map((r) => ef.step(grads(r)));
      return { updates, memory: ef.memory() };
    }),
  );
  for (const r of runs.slice(1)) {
    expect(r.updates).toEqual(runs[0].updates);
    r.memory.forEach((m, i) => expect(sameBits(m.values, runs[0].memory[i].values)).toBe(true));
  }
});

test('options and lifecycle errors', () => {
  expect(() => new ErrorFeedback({ topRatio: 2, bottomRatio: 0 })).toThrow(RangeError);
  expect(() => new ErrorFeedback({ topRatio: 0.1, bottomRatio: 0.1 }, { mode: 'most' as FeedbackMode })).toThrow(/options.mode must be one of 'bottom', 'all', 'none', got "most"/);
  const ef = new ErrorFeedback({ kTop: 1, kBottom: 1 });
  expect(() => ef.step([{ name: 'w', shape: [1], values: Float32Array.of(1) }])).toThrow(/kTop 1 \+ kBottom 1 exceeds the layer size 1/);
  expect(() => ef.step([{ name: 'w', shape: [3], values: Float32Array.of(1, 2) }])).toThrow(/has 3 elements but values has 2/);
  expect(() => ef.step({ w: 'x' } as unknown as tf.NamedTensorMap)).toThrow(TypeError);
  ef.step([{ name: 'w', shape: [3], values: Float32Array.of(1, 2, 3) }]);
  ef.reset();
  expect(ef.memory()[0].values).toEqual(new Float32Array(3));
  ef.dispose();
  expect(() => ef.step([{ name: 'w', shape: [3], values: Float32Array.of(1, 2, 3) }])).toThrow(DgpError);
  expect(() => ef.memory()).toThrow(/disposed/);
});
