/**
 * Optimisation attacks that look for an input whose gradient matches what was sent, with
 * second-order gradients through tfjs (see ../tfjs/gradients.ts):
 * - DLG (Zhu et al. 2019): squared L2 distance between gradients.
 * - IG, Inverting Gradients (Geiping et al. 2020): 1 - cosine similarity of the gradients, plus a
 *   total-variation prior on the image.
 * Both match only the positions the wire carried (a withheld position is unknown, not zero), use
 * the labels iDLG recovered, optimise with Adam (learning rate divided by 10 at 3/8, 5/8 and 7/8 of
 * the iterations, as IG does), keep the image in [0, 1] by clipping after each step, and return the
 * iterate with the lowest matching loss. IG steps on the sign of the gradient, as in Geiping et
 * al. This tfjs version serves the CNN only; the MLP attacks are plain TypeScript (optimize.ts).
 */
import { tf } from '../tfjs/setup';
import { PIXELS } from '../data';
import { oneHot, paramGrads, toTensors } from '../models';
import { Rng } from '../rng';
import { AttackerView } from './view';

export interface MatchingConfig {
  kind: 'dlg' | 'ig';
  iterations: number;
  lr: number;
  /** weight of the total-variation prior (IG only) */
  tv: number;
  /** starting image: uniform noise in [0, 1], or a constant (e.g. 0, MNIST's background) */
  init: 'uniform' | number;
}

export const DLG: Omit<MatchingConfig, 'iterations'> = { kind: 'dlg', lr: 0.1, tv: 0, init: 0 };
export const IG: Omit<MatchingConfig, 'iterations'> = { kind: 'ig', lr: 0.1, tv: 1e-2, init: 0 };

function totalVariation(x: tf.Tensor, b: number): tf.Tensor {
  const im = tf.reshape(x, [b, 28, 28]);
  const dh = tf.sub(tf.slice(im, [0, 1, 0], [b, 27, 28]), tf.slice(im, [0, 0, 0], [b, 27, 28]));
  const dw = tf.sub(tf.slice(im, [0, 0, 1], [b, 28, 27]), tf.slice(im, [0, 0, 0], [b, 28, 27]));
  return tf.mul(tf.add(tf.sum(tf.abs(dh)), tf.sum(tf.abs(dw))), 1 / (b * 28 * 27));
}

export function matchingAttack(v: AttackerView, labels: number[], cfg: MatchingConfig, rng: Rng): { x: Float32Array; loss: number } {
  const m = v.model;
  const b = v.batchSize;
  const w = toTensors(m, v.weights);
  const target = m.layers.map((l) => tf.tensor(v.values[l.name], l.shape));
  const mask = m.layers.map((l) => (v.sent ? tf.tensor(Float32Array.from(v.sent[l.name]), l.shape) : null));
  const y = oneHot(labels);
  const targetNorm = cfg.kind === 'ig' ? tf.tidy(() => tf.sqrt(tf.addN(target.map((t) => tf.sum(tf.square(t)))))) : null;

  const loss = (x: tf.Tensor): tf.Tensor => {
    const g = paramGrads(m, w, x, y);
    const gm = g.map((gi, i) => (mask[i] ? tf.mul(gi, mask[i]!) : gi));
    if (cfg.kind === 'dlg') return tf.addN(gm.map((gi, i) => tf.sum(tf.square(tf.sub(gi, target[i])))));
    const dot = tf.addN(gm.map((gi, i) => tf.sum(tf.mul(gi, target[i]))));
    const norm = tf.sqrt(tf.addN(gm.map((gi) => tf.sum(tf.square(gi)))));
    const cos = tf.div(dot, tf.add(tf.mul(norm, targetNorm!), 1e-12));
    return tf.add(tf.sub(1, cos), tf.mul(totalVariation(x, b), cfg.tv));
  };
  const valueAndGrad = tf.valueAndGrad(loss);

  let x: tf.Tensor = tf.tensor2d(Float32Array.from({ length: b * PIXELS }, () => (cfg.init === 'uniform' ? rng.next() : cfg.init as number)), [b, PIXELS]);
  let m1: tf.Tensor = tf.zerosLike(x);
  let m2: tf.Tensor = tf.zerosLike(x);
  const b1 = 0.9, b2 = 0.999;
  let best = Infinity;
  let bestX = x.dataSync().slice() as Float32Array;
  for (let t = 1; t <= cfg.iterations; t++) {
    const frac = t / cfg.iterations;
    const lr = cfg.lr * (frac > 7 / 8 ? 1e-3 : frac > 5 / 8 ? 1e-2 : frac > 3 / 8 ? 1e-1 : 1);
    const next = tf.tidy(() => {
      const { value, grad: raw } = valueAndGrad(x);
      const grad = cfg.kind === 'ig' ? tf.sign(raw) : raw;
      const n1 = tf.add(tf.mul(m1, b1), tf.mul(grad, 1 - b1));
      const n2 = tf.add(tf.mul(m2, b2), tf.mul(tf.square(grad), 1 - b2));
      const step = tf.div(tf.mul(n1, lr / (1 - b1 ** t)), tf.add(tf.sqrt(tf.mul(n2, 1 / (1 - b2 ** t))), 1e-8));
      return { value: value.dataSync()[0], x: tf.clipByValue(tf.sub(x, step), 0, 1), n1, n2 };
    });
    // value is the loss at the current x (before this step)
    if (next.value < best) { best = next.value; bestX = x.dataSync().slice() as Float32Array; }
    x.dispose(); m1.dispose(); m2.dispose();
    x = next.x; m1 = next.n1; m2 = next.n2;
    if (!Number.isFinite(next.value)) break;
  }
  x.dispose(); m1.dispose(); m2.dispose();
  tf.dispose([Object.values(w), target, mask.filter((q): q is tf.Tensor => q !== null), y, targetNorm ?? []]);
  return { x: bestX, loss: best };
}
