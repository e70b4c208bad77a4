/** Second-order gradients through the victims (eval/tfjs/gradients.ts) agree with finite differences. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '../../eval/tfjs/gradients';
import { MODELS, toTensors, paramGrads, oneHot } from '../../eval/models';
import { Rng } from '../../eval/rng';

beforeAll(async () => {
  registerGradients();
  await tf.setBackend('cpu');
});

describe.each(['mlp', 'cnn'])('%s', (name) => {
  test('gradient of the DLG matching loss w.r.t. the input matches a central difference', () => {
    const m = MODELS[name];
    const rng = new Rng(1);
    const p = toTensors(m, m.init(rng));
    const y = oneHot([3]);
    const xt = tf.tensor2d(Float32Array.from({ length: 784 }, () => rng.next()), [1, 784]);
    const gt = paramGrads(m, p, xt, y);
    const f = (x: tf.Tensor) => {
      const g = paramGrads(m, p, x, y);
      return tf.addN(g.map((gi, i) => tf.sum(tf.square(tf.sub(gi, gt[i])))));
    };
    const x0 = Float32Array.from({ length: 784 }, () => rng.next());
    const d = rng.normalArray(784, 1);
    const gx = tf.grad(f)(tf.tensor2d(x0, [1, 784])).dataSync();
    let dd = 0;
    for (let i = 0; i < 784; i++) dd += gx[i] * d[i];
    const e = 1e-2;
    const at = (s: number) => f(tf.tensor2d(x0.map((v, i) => v + s * e * d[i]), [1, 784])).dataSync()[0];
    const fd = (at(1) - at(-1)) / (2 * e);
    expect(Math.abs(dd - fd)).toBeLessThan(0.01 * Math.abs(fd) + 1e-4);
  });
});
