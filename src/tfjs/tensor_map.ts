/** Building the NamedTensorMaps the package returns. */
import * as tf from '@tensorflow/tfjs-core';

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
