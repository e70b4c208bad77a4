/** Reads a gradient map (tfjs NamedTensorMap or DenseLayer[]) into flat float32 layers. */
import * as tf from '@tensorflow/tfjs-core';

import { readRecord } from '../read';
import { readFloat32 } from '../tfjs/ops';
import { readDenseLayers } from './objects';
import type { DenseLayer } from './types';

/** What the FL functions accept as gradients: tensors by name, or raw layers. */
export type GradientInput = tf.NamedTensorMap | DenseLayer[];

/** Layers in input order, read once; values are the caller's arrays (read, never written). */
export function readGradients(grads: unknown, caller: string): DenseLayer[] {
  if (Array.isArray(grads)) return readDenseLayers(grads, `${caller}: grads`).map(({ name, shape, values }) => ({ name, shape, values }));
  const expected = 'a NamedTensorMap (a plain object of tensors) or an Array of {name, shape, values}';
  if (grads instanceof tf.Tensor) throw new TypeError(`${caller}: grads must be ${expected}, got a Tensor`);
  return readRecord(grads, `${caller}: grads`, expected).map(([name, tensor]) => {
    const { values, shape } = readFloat32(tensor, `${caller}: grads['${name}']`);
    return { name, shape, values };
  });
}
