/**
 * Victim models written with tfjs-core ops (no tfjs-layers): parameters are plain named tensors so
 * that gradients w.r.t. them can be taken, and taken again w.r.t. the input (DLG / IG need that).
 *
 * - mlp: 784 -> 100 (sigmoid) -> 10, biases on both layers: the classic DLG victim; its first
 *   fully connected layer with bias is what the analytic attack (Phong et al. 2017) inverts.
 * - cnn: LeNet-style as in DLG (Zhu et al. 2019): three 5x5 convolutions (12 channels, strides
 *   2, 2, 1, 'same' padding) with sigmoid, then a fully connected layer 588 -> 10. No pooling: the
 *   max-pool gradient has no second-order gradient in tfjs, and DLG's LeNet uses strides instead.
 */
import { tf } from './tfjs/setup';
import { IMG, PIXELS, CLASSES } from './data';
import { Rng } from './rng';

export type Params = Record<string, Float32Array>;
export type TParams = Record<string, tf.Tensor>;

export interface LayerSpec { name: string; shape: number[] }

export interface Model {
  name: 'mlp' | 'cnn';
  layers: LayerSpec[];
  /** logits [B, 10] for images x [B, 784] */
  logits(p: TParams, x: tf.Tensor): tf.Tensor;
  init(rng: Rng): Params;
}

function uniform(rng: Rng, n: number, a: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * a;
  return out;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

export const mlp: Model = {
  name: 'mlp',
  layers: [
    { name: 'fc1/w', shape: [PIXELS, 100] }, { name: 'fc1/b', shape: [100] },
    { name: 'fc2/w', shape: [100, CLASSES] }, { name: 'fc2/b', shape: [CLASSES] },
  ],
  logits(p, x) {
    const h = tf.sigmoid(tf.add(tf.matMul(x, p['fc1/w']), p['fc1/b']));
    return tf.add(tf.matMul(h, p['fc2/w']), p['fc2/b']);
  },
  init(rng) {
    // PyTorch's default for Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
    const out: Params = {};
    const fanIn: Record<string, number> = { 'fc1/w': PIXELS, 'fc1/b': PIXELS, 'fc2/w': 100, 'fc2/b': 100 };
    for (const l of this.layers) out[l.name] = uniform(rng, size(l.shape), 1 / Math.sqrt(fanIn[l.name]));
    return out;
  },
};

export const cnn: Model = {
  name: 'cnn',
  layers: [
    { name: 'conv1/w', shape: [5, 5, 1, 12] }, { name: 'conv1/b', shape: [12] },
    { name: 'conv2/w', shape: [5, 5, 12, 12] }, { name: 'conv2/b', shape: [12] },
    { name: 'conv3/w', shape: [5, 5, 12, 12] }, { name: 'conv3/b', shape: [12] },
    { name: 'fc/w', shape: [7 * 7 * 12, CLASSES] }, { name: 'fc/b', shape: [CLASSES] },
  ],
  logits(p, x) {
    let h: tf.Tensor = tf.reshape(x, [-1, IMG, IMG, 1]);
    const strides: Array<[number, number]> = [[2, 2], [2, 2], [1, 1]];
    for (let i = 0; i < 3; i++) {
      const c = tf.conv2d(h as tf.Tensor4D, p[`conv${i + 1}/w`] as tf.Tensor4D, strides[i], 'same');
      h = tf.sigmoid(tf.add(c, p[`conv${i + 1}/b`]));
    }
    return tf.add(tf.matMul(tf.reshape(h, [-1, 7 * 7 * 12]), p['fc/w']), p['fc/b']);
  },
  init(rng) {
    // DLG's LeNet initialisation: U(-0.5, 0.5) for every weight and bias.
    const out: Params = {};
    for (const l of this.layers) out[l.name] = uniform(rng, size(l.shape), 0.5);
    return out;
  },
};

export const MODELS: Record<string, Model> = { mlp, cnn };

export function numParams(m: Model): number {
  return m.layers.reduce((a, l) => a + size(l.shape), 0);
}

export function toTensors(m: Model, p: Params): TParams {
  const out: TParams = {};
  for (const l of m.layers) out[l.name] = tf.tensor(p[l.name], l.shape);
  return out;
}

/** Mean softmax cross-entropy, logsumexp(z) - z_y, from ops that are twice differentiable here. */
export function crossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Tensor {
  const lse = tf.log(tf.sum(tf.exp(logits), 1));
  const zy = tf.sum(tf.mul(logits, oneHot), 1);
  return tf.mul(tf.sum(tf.sub(lse, zy)), 1 / logits.shape[0]);
}

export function oneHot(labels: ArrayLike<number>): tf.Tensor {
  const out = new Float32Array(labels.length * CLASSES);
  for (let i = 0; i < labels.length; i++) out[i * CLASSES + labels[i]] = 1;
  return tf.tensor2d(out, [labels.length, CLASSES]);
}

/** Gradients of the loss w.r.t. every parameter, in layer order, as tensors (differentiable). */
export function paramGrads(m: Model, p: TParams, x: tf.Tensor, y: tf.Tensor): tf.Tensor[] {
  const names = m.layers.map((l) => l.name);
  const f = (...ws: tf.Tensor[]) => {
    const q: TParams = {};
    names.forEach((n, i) => { q[n] = ws[i]; });
    return crossEntropy(m.logits(q, x), y);
  };
  return tf.grads(f)(names.map((n) => p[n]));
}

/** Same, read back to Float32Arrays. */
export function paramGradsData(m: Model, p: TParams, x: Float32Array, labels: ArrayLike<number>): Params {
  return tf.tidy(() => {
    const g = paramGrads(m, p, tf.tensor2d(x, [labels.length, PIXELS]), oneHot(labels));
    const out: Params = {};
    m.layers.forEach((l, i) => { out[l.name] = g[i].dataSync() as Float32Array; });
    return out;
  });
}

export function accuracy(m: Model, p: TParams, x: Float32Array, y: Int32Array): number {
  return tf.tidy(() => {
    const pred = tf.argMax(m.logits(p, tf.tensor2d(x, [y.length, PIXELS])), 1).dataSync();
    let ok = 0;
    for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
    return ok / y.length;
  });
}
