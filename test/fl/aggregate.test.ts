/** Aggregation (SPEC §7): sum / weighted mean, rejection before anything is applied, tensors. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import {
  aggregateToTensors, aggregateUpdates, decodeUpdate, densifyUpdate, DgpFormatError, encodeUpdate, ErrorFeedback,
  sparseFromDense, Update,
} from '../../src/fl';
import { BACKENDS, gradient, onBackend, sameBits } from './helpers';

const SHAPES: Array<[string, number[]]> = [['k', [20, 30]], ['b', [30]]];

function clientUpdates(count: number): Update[] {
  return Array.from({ length: count }, (_, c) => {
    const ef = new ErrorFeedback({ topRatio: 0.02, bottomRatio: 0.7 });
    const u = ef.step(SHAPES.map(([name, shape], i) => ({ name, shape, values: gradient(shape.reduce((a, b) => a * b, 1), c * 10 + i) })));
    return decodeUpdate(encodeUpdate(u)); // what a server actually holds
  });
}

/** Reference: float32 sum in update order of fround(w·v), as documented. */
function reference(updates: Update[], w: number[]): Float32Array[] {
  return SHAPES.map(([name, shape]) => {
    const acc = new Float32Array(shape.reduce((a, b) => a * b, 1));
    updates.forEach((u, c) => {
      const l = u.layers.find((x) => x.name === name)!;
      l.indices.forEach((i, j) => (acc[i] = Math.fround(acc[i] + Math.fround(w[c] * l.values[j]))));
    });
    return acc;
  });
}

describe.each(BACKENDS)('aggregateUpdates on %s', (backend) => {
  const updates = clientUpdates(5);

  test('sum, weighted sum and weighted mean match the float32 reference bit for bit', () => {
    onBackend(backend, () => {
      const sum = aggregateUpdates(updates, { maxElements: 1e6 });
      reference(updates, [1, 1, 1, 1, 1]).forEach((r, i) => expect(sameBits(sum[i].values, r)).toBe(true));
      expect(sum.map((l) => [l.name, l.shape])).toEqual(SHAPES);
      const weights = [1, 2, 3, 4, 0];
      const mean = aggregateUpdates(updates, { reduce: 'mean', weights, maxElements: 1e6 });
      const f = weights.map((x) => Math.fround(x / 10));
      reference(updates, f).forEach((r, i) => expect(sameBits(mean[i].values, r)).toBe(true));
      const plainMean = aggregateUpdates(updates, { reduce: 'mean', maxElements: 1e6 });
      reference(updates, new Array(5).fill(Math.fround(1 / 5))).forEach((r, i) => expect(sameBits(plainMean[i].values, r)).toBe(true));
    });
  });

  test('mismatched names or shapes are rejected, naming the layer and the update', () => {
    onBackend(backend, () => {
      const bad = updates.map((u) => ({ ...u, layers: u.layers.map((l) => ({ ...l })) }));
      bad[3].layers[1] = { ...bad[3].layers[1], shape: [31] };
      expect(() => aggregateUpdates(bad, { maxElements: 1e6 })).toThrow(/update 3 layer 'b' has shape \[31\], update 0 has \[30\]/);
      bad[3].layers[1] = { ...bad[3].layers[1], name: 'bias', shape: [30] };
      expect(() => aggregateUpdates(bad, { maxElements: 1e6 })).toThrow(/update 3 has layer 'bias', which update 0 lacks/);
      bad[3].layers.pop();
      expect(() => aggregateUpdates(bad, { maxElements: 1e6 })).toThrow(/update 3 lacks layer 'b'/);
      // An index out of range in the last update: an error, and no partial result escapes.
      const oob = updates.map((u) => ({ ...u, layers: u.layers.map((l) => ({ ...l })) }));
      oob[4].layers[0] = { ...oob[4].layers[0], indices: Uint32Array.from(oob[4].layers[0].indices, (i, j) => (j === 0 ? 600 : i)) };
      expect(() => aggregateUpdates(oob, { maxElements: 1e6 })).toThrow(DgpFormatError);
      expect(() => aggregateUpdates(oob, { maxElements: 1e6 })).toThrow(/update 4 layer 'k': indices\[0\] = 600 is >= the layer size 600/);
    });
  });

  test('the element limit is explicit and enforced before allocating', () => {
    onBackend(backend, () => {
      expect(() => aggregateUpdates(updates, {} as { maxElements: number })).toThrow(/maxElements must be a non-negative integer/);
      expect(() => aggregateUpdates(updates, { maxElements: 629 })).toThrow(/needs 630 dense elements, more than options.maxElements = 629/);
      expect(() => densifyUpdate(updates[0], { maxElements: 10 })).toThrow(DgpFormatError);
      const huge: Update = { round: 0, layers: [{ name: 'x', shape: [65536, 65535], indices: new Uint32Array(0), values: new Float32Array(0) }] };
      expect(() => densifyUpdate(decodeUpdate(encodeUpdate(huge)), { maxElements: 1e8 })).toThrow(/needs 4294901760 dense elements/);
      expect(() => aggregateUpdates(updates, { reduce: 'mean', weights: [0, 0, 0, 0, 0], maxElements: 1e6 })).toThrow(/positive sum/);
      expect(() => aggregateUpdates(updates, { weights: [1, 2], maxElements: 1e6 })).toThrow(/Array of 5 numbers/);
      expect(() => aggregateUpdates([], { maxElements: 1 })).toThrow(TypeError);
    });
  });

  test('densify, sparseFromDense and tfjs tensors', () => {
    onBackend(backend, () => {
      const dense = densifyUpdate(updates[0], { maxElements: 1e6 });
      const back = sparseFromDense(dense, updates[0].round);
      back.layers.forEach((l, i) => {
        const nonZero = updates[0].layers[i].values.filter((v) => v !== 0).length;
        expect(l.indices.length).toBe(nonZero);
      });
      const tensors = aggregateToTensors(aggregateUpdates(updates, { maxElements: 1e6 }));
      expect(tensors.k.shape).toEqual([20, 30]);
      expect(tensors.b.dtype).toBe('float32');
      expect(sameBits(tensors.k.dataSync() as Float32Array, aggregateUpdates(updates, { maxElements: 1e6 })[0].values)).toBe(true);
      tf.dispose(tensors);
    });
  });
});
