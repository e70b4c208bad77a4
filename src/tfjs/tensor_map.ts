/** Building the NamedTensorMaps the package returns. */
import * as tf from '@tensorflow/tfjs-core';

import { DgpError } from '../errors';

/**
 * tf.tensor, with tfjs's own "No backend found in registry." (tfjs-core alone registers no
 * backend) restated as a DgpError naming the call and what to install. Other errors pass as they are.
 */
export function newTensor(caller: string, values: Float32Array | Uint8Array, shape: number[], dtype: 'float32' | 'bool'): tf.Tensor {
  try {
    return tf.tensor(values, shape, dtype);
  } catch (e) {
    if (!(e instanceof Error && /No backend found in registry/.test(e.message))) throw e;
    throw new DgpError(
      `${caller}: TensorFlow.js has no backend registered (${e.message}); install and import ` +
        '@tensorflow/tfjs-backend-cpu (or use @tensorflow/tfjs or @tensorflow/tfjs-node)',
    );
  }
}

/**
 * A null-prototype map of tensors made by `makers`, in order, so any layer name (even
 * '__proto__', 'constructor' or 'toString') is an own key and no inherited name looks like a
 * layer. If one maker throws, the tensors made so far are disposed before the error propagates.
 */
export function buildTensorMap(makers: Array<[string, () => tf.Tensor]>): tf.NamedTensorMap {
  const out = Object.create(null) as tf.NamedTensorMap;
  const made: tf.Tensor[] = [];
  try {
    for (const [name, make] of makers) {
      const t = make();
      made.push(t);
      out[name] = t;
    }
  } catch (e) {
    made.forEach((t) => t.dispose());
    throw e;
  }
  return out;
}
