/** Reads a gradient map (tfjs NamedTensorMap or DenseLayer[]) into flat float32 layers. */
import * as tf from '@tensorflow/tfjs-core';

import { describeValue } from '../errors';
import { readFloat32 } from '../tfjs/ops';
import { shapeSize } from './layout';
import type { DenseLayer } from './types';

/** What the FL functions accept as gradients: tensors by name, or raw layers. */
export type GradientInput = tf.NamedTensorMap | DenseLayer[];

/** Layers in input order; values are the caller's arrays (read, never written). */
export function readGradients(grads: unknown, caller: string): DenseLayer[] {
  if (Array.isArray(grads)) {
    const seen = new Set<string>();
    return grads.map((l: DenseLayer, i) => {
      const what = `${caller}: grads[${i}]`;
      if (l === null || typeof l !== 'object') throw new TypeError(`${what} must be {name, shape, values}, got ${describeValue(l)}`);
      if (typeof l.name !== 'string') throw new TypeError(`${what}.name must be a string, got ${describeValue(l.name)}`);
      if (seen.has(l.name)) throw new RangeError(`${caller}: layer name '${l.name}' appears twice`);
      seen.add(l.name);
      if (!(l.values instanceof Float32Array))
        throw new TypeError(`${what} ('${l.name}').values must be a Float32Array, got ${describeValue(l.values)}`);
      const n = shapeSize(l.shape, `${what} ('${l.name}')`);
      if (n !== l.values.length)
        throw new RangeError(`${what} ('${l.name}'): shape [${l.shape.join(', ')}] has ${n} elements but values has ${l.values.length}`);
      return { name: l.name, shape: l.shape.slice(), values: l.values };
    });
  }
  if (grads === null || typeof grads !== 'object' || grads instanceof tf.Tensor)
    throw new TypeError(`${caller}: grads must be a NamedTensorMap or an Array of {name, shape, values}, got ${describeValue(grads)}`);
  return Object.keys(grads).map((name) => {
    const { values, shape } = readFloat32((grads as Record<string, unknown>)[name], `${caller}: grads['${name}']`);
    return { name, shape, values };
  });
}
