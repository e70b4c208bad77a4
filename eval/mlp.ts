/**
 * The MLP victim (784 -> 100 sigmoid -> 10, biases, mean softmax cross-entropy) in plain
 * TypeScript with Float64 arithmetic: its parameter gradients (what a client sends), and the
 * gradient with respect to the input images of a loss on those parameter gradients (what the
 * optimisation attacks need). The second-order pass is written out by hand (reverse mode through
 * the backward pass); test/eval/mlp.test.ts checks it against central differences. It replaces
 * tfjs for the MLP because one attack iteration is ~40x faster this way on 2 cores; the batch-size-1
 * inner loop of the attacks is attacks/rank1_match.ts.
 *
 * Layout matches eval/models.ts: fc1/w [784, 100] row-major (i * 100 + j), fc1/b [100],
 * fc2/w [100, 10] (j * 10 + c), fc2/b [10].
 */
import { CLASSES, PIXELS } from './data';
import type { Params } from './models';

export const HIDDEN = 100;
export const LAYER_NAMES = ['fc1/w', 'fc1/b', 'fc2/w', 'fc2/b'] as const;
export const LAYER_SIZES = [PIXELS * HIDDEN, HIDDEN, HIDDEN * CLASSES, CLASSES];

/** w1 is stored as float32 (its values are float32 anyway; half the memory traffic); sums are float64. */
export interface Weights { w1: Float32Array; b1: Float64Array; w2: Float64Array; b2: Float64Array }

export function toWeights(p: Params): Weights {
  return { w1: Float32Array.from(p['fc1/w']), b1: Float64Array.from(p['fc1/b']), w2: Float64Array.from(p['fc2/w']), b2: Float64Array.from(p['fc2/b']) };
}

/** Parameter gradients in layer order [gW1, gb1, gW2, gb2]. */
export type Grads = [Float64Array, Float64Array, Float64Array, Float64Array];

/** z = x W1 + b1 for the image starting at x[xo] (zero pixels skipped: MNIST is ~80% zeros). */
function preActivation(w: Weights, x: ArrayLike<number>, xo: number, z: Float64Array): void {
  z.set(w.b1);
  for (let i = 0; i < PIXELS; i++) {
    const xi = x[xo + i];
    if (xi === 0) continue;
    const r = i * HIDDEN;
    for (let j = 0; j < HIDDEN; j++) z[j] += xi * w.w1[r + j];
  }
}

interface Forward { h: Float64Array; p: Float64Array; d2: Float64Array; dh: Float64Array; d1: Float64Array }

function forward(w: Weights, x: ArrayLike<number>, labels: ArrayLike<number>): Forward {
  const B = labels.length;
  const h = new Float64Array(B * HIDDEN);
  const p = new Float64Array(B * CLASSES);
  const d2 = new Float64Array(B * CLASSES);
  const dh = new Float64Array(B * HIDDEN);
  const d1 = new Float64Array(B * HIDDEN);
  const z = new Float64Array(HIDDEN);
  for (let b = 0; b < B; b++) {
    const xo = b * PIXELS;
    preActivation(w, x, xo, z);
    const ho = b * HIDDEN;
    for (let j = 0; j < HIDDEN; j++) h[ho + j] = 1 / (1 + Math.exp(-z[j]));
    const po = b * CLASSES;
    let mx = -Infinity;
    for (let c = 0; c < CLASSES; c++) {
      let s = w.b2[c];
      for (let j = 0; j < HIDDEN; j++) s += h[ho + j] * w.w2[j * CLASSES + c];
      p[po + c] = s;
      if (s > mx) mx = s;
    }
    let sum = 0;
    for (let c = 0; c < CLASSES; c++) { p[po + c] = Math.exp(p[po + c] - mx); sum += p[po + c]; }
    for (let c = 0; c < CLASSES; c++) {
      p[po + c] /= sum;
      d2[po + c] = (p[po + c] - (labels[b] === c ? 1 : 0)) / B;
    }
    for (let j = 0; j < HIDDEN; j++) {
      let s = 0;
      for (let c = 0; c < CLASSES; c++) s += d2[po + c] * w.w2[j * CLASSES + c];
      dh[ho + j] = s;
      const hj = h[ho + j];
      d1[ho + j] = s * hj * (1 - hj);
    }
  }
  return { h, p, d2, dh, d1 };
}

function paramGrads(f: Forward, x: ArrayLike<number>, B: number): Grads {
  const gW1 = new Float64Array(PIXELS * HIDDEN);
  const gb1 = new Float64Array(HIDDEN);
  const gW2 = new Float64Array(HIDDEN * CLASSES);
  const gb2 = new Float64Array(CLASSES);
  for (let b = 0; b < B; b++) {
    const ho = b * HIDDEN, po = b * CLASSES, xo = b * PIXELS;
    for (let i = 0; i < PIXELS; i++) {
      const xi = x[xo + i];
      if (xi === 0) continue;
      const r = i * HIDDEN;
      for (let j = 0; j < HIDDEN; j++) gW1[r + j] += xi * f.d1[ho + j];
    }
    for (let j = 0; j < HIDDEN; j++) {
      gb1[j] += f.d1[ho + j];
      for (let c = 0; c < CLASSES; c++) gW2[j * CLASSES + c] += f.h[ho + j] * f.d2[po + c];
    }
    for (let c = 0; c < CLASSES; c++) gb2[c] += f.d2[po + c];
  }
  return [gW1, gb1, gW2, gb2];
}

/** The gradient of the mean cross-entropy of the batch (x: B x 784, labels: B). */
export function gradients(w: Weights, x: ArrayLike<number>, labels: ArrayLike<number>): Grads {
  return paramGrads(forward(w, x, labels), x, labels.length);
}

/** The same as float32 named layers (what a client hands to its defense). */
export function gradientParams(w: Weights, x: ArrayLike<number>, labels: ArrayLike<number>): Params {
  const g = gradients(w, x, labels);
  const out: Params = {};
  LAYER_NAMES.forEach((n, i) => { out[n] = Float32Array.from(g[i]); });
  return out;
}

/**
 * A loss on the parameter gradients: given the gradients at x, returns the loss and writes its
 * derivative with respect to each gradient entry into `adj` (same layout).
 */
export type GradLoss = (g: Grads, adj: Grads) => number;

/** loss(gradients(x)) and its gradient with respect to x (B x 784). */
export function lossAndInputGrad(w: Weights, x: ArrayLike<number>, labels: ArrayLike<number>, loss: GradLoss): { value: number; dx: Float64Array } {
  const B = labels.length;
  const f = forward(w, x, labels);
  const g = paramGrads(f, x, B);
  const adj: Grads = [new Float64Array(g[0].length), new Float64Array(g[1].length), new Float64Array(g[2].length), new Float64Array(g[3].length)];
  const value = loss(g, adj);
  const [A1, a1, A2, a2] = adj;
  const dx = new Float64Array(B * PIXELS);
  const d1b = new Float64Array(HIDDEN);
  for (let b = 0; b < B; b++) {
    const ho = b * HIDDEN, xo = b * PIXELS;
    // gW1 = x^T d1, gb1 = sum d1:  dx += d1 A1^T,  d1bar = x A1 + a1
    d1b.set(a1);
    for (let i = 0; i < PIXELS; i++) {
      const r = i * HIDDEN;
      const xi = x[xo + i];
      let s = 0;
      for (let j = 0; j < HIDDEN; j++) {
        s += f.d1[ho + j] * A1[r + j];
        d1b[j] += xi * A1[r + j];
      }
      dx[xo + i] = s;
    }
    backTail(w, f, b, B, d1b, A2, a2, dx);
  }
  return { value, dx };
}

/**
 * The rest of the reverse pass for sample b, given d1bar (the adjoint of its d1) and the adjoints
 * of the second layer's gradients: adds its contribution to dx (row b).
 */
function backTail(w: Weights, f: Forward, b: number, B: number, d1b: Float64Array, A2: Float64Array, a2: Float64Array, dx: Float64Array): void {
  const ho = b * HIDDEN, po = b * CLASSES, xo = b * PIXELS;
  const hb = new Float64Array(HIDDEN);
  const z1b = new Float64Array(HIDDEN);
  const d2b = new Float64Array(CLASSES);
  // d1 = dh * s(h), s = h (1 - h)
  d2b.set(a2);
  hb.fill(0);
  for (let j = 0; j < HIDDEN; j++) {
    const hj = f.h[ho + j];
    const sj = hj * (1 - hj);
    const dhb = d1b[j] * sj; // into dh = d2 W2^T
    hb[j] += d1b[j] * f.dh[ho + j] * (1 - 2 * hj);
    for (let c = 0; c < CLASSES; c++) {
      const k = j * CLASSES + c;
      d2b[c] += dhb * w.w2[k] + hj * A2[k]; // dh = d2 W2^T; gW2 = h^T d2
      hb[j] += f.d2[po + c] * A2[k];
    }
  }
  // d2 = (p - y) / B; softmax backward; z2 = h W2 + b2
  let dot = 0;
  for (let c = 0; c < CLASSES; c++) dot += (d2b[c] / B) * f.p[po + c];
  for (let c = 0; c < CLASSES; c++) {
    const z2b = f.p[po + c] * (d2b[c] / B - dot);
    for (let j = 0; j < HIDDEN; j++) hb[j] += z2b * w.w2[j * CLASSES + c];
  }
  for (let j = 0; j < HIDDEN; j++) { const hj = f.h[ho + j]; z1b[j] = hb[j] * hj * (1 - hj); }
  // z1 = x W1 + b1
  for (let i = 0; i < PIXELS; i++) {
    const r = i * HIDDEN;
    let s = 0;
    for (let j = 0; j < HIDDEN; j++) s += z1b[j] * w.w1[r + j];
    dx[xo + i] += s;
  }
}

/** Hidden activations and class probabilities of one image (the label attack's auxiliary data). */
export function activations(w: Weights, x: ArrayLike<number>): { h: Float64Array; p: Float64Array } {
  const f = forward(w, x, [0]);
  return { h: f.h, p: f.p };
}

/** Predicted classes of n images (test accuracy). */
export function predict(w: Weights, x: ArrayLike<number>, n: number): Int32Array {
  const out = new Int32Array(n);
  const z = new Float64Array(HIDDEN);
  for (let b = 0; b < n; b++) {
    const xo = b * PIXELS;
    preActivation(w, x, xo, z);
    let best = 0, bv = -Infinity;
    for (let c = 0; c < CLASSES; c++) {
      let s = w.b2[c];
      for (let j = 0; j < HIDDEN; j++) s += w.w2[j * CLASSES + c] / (1 + Math.exp(-z[j]));
      if (s > bv) { bv = s; best = c; }
    }
    out[b] = best;
  }
  return out;
}
