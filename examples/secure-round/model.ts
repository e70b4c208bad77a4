/**
 * The example's model, in plain TypeScript so the same code runs in Node workers and in a page:
 * an MLP 784-16-10 (ReLU, softmax cross-entropy) on MNIST digits, with its gradient written out
 * (no framework needed for a model this small). Layers are named like a tfjs model's variables.
 */
export interface Layer {
  name: string;
  shape: number[];
  values: Float32Array;
}

export type { Digit } from '../mnist';
import type { Digit } from '../mnist';

export const INPUTS = 784;
export const HIDDEN = 16;
export const CLASSES = 10;
export const SHAPES: Array<[string, number[]]> = [
  ['dense1/kernel', [INPUTS, HIDDEN]],
  ['dense1/bias', [HIDDEN]],
  ['dense2/kernel', [HIDDEN, CLASSES]],
  ['dense2/bias', [CLASSES]],
];
export const PARAMETERS = SHAPES.reduce((s, [, shape]) => s + shape.reduce((a, b) => a * b, 1), 0);

/** Small deterministic initial weights (a fixed LCG, so every run starts alike). */
export function initialWeights(seed = 1): Layer[] {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.2;
  return SHAPES.map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { name, shape, values: name.endsWith('bias') ? new Float32Array(n) : Float32Array.from({ length: n }, next) };
  });
}

function forward(w: Layer[], x: number[]): { hidden: Float64Array; probs: Float64Array } {
  const [k1, b1, k2, b2] = w.map((l) => l.values);
  const hidden = new Float64Array(HIDDEN);
  for (let j = 0; j < HIDDEN; j++) {
    let a = b1[j];
    for (let i = 0; i < INPUTS; i++) if (x[i] !== 0) a += x[i] * k1[i * HIDDEN + j];
    hidden[j] = a > 0 ? a : 0;
  }
  const logits = new Float64Array(CLASSES);
  let max = -Infinity;
  for (let c = 0; c < CLASSES; c++) {
    let a = b2[c];
    for (let j = 0; j < HIDDEN; j++) a += hidden[j] * k2[j * CLASSES + c];
    logits[c] = a;
    max = Math.max(max, a);
  }
  let z = 0;
  for (let c = 0; c < CLASSES; c++) z += (logits[c] = Math.exp(logits[c] - max));
  for (let c = 0; c < CLASSES; c++) logits[c] /= z;
  return { hidden, probs: logits };
}

/** The mean cross-entropy gradient over `batch`, one layer per weight. */
export function gradient(w: Layer[], batch: Digit[]): Layer[] {
  const g = w.map((l) => ({ name: l.name, shape: l.shape, values: new Float32Array(l.values.length) }));
  const [gk1, gb1, gk2, gb2] = g.map((l) => l.values);
  const k2 = w[2].values;
  const scale = 1 / batch.length;
  for (const { label, pixels } of batch) {
    const { hidden, probs } = forward(w, pixels);
    const dHidden = new Float64Array(HIDDEN);
    for (let c = 0; c < CLASSES; c++) {
      const d = (probs[c] - (c === label ? 1 : 0)) * scale;
      gb2[c] += d;
      for (let j = 0; j < HIDDEN; j++) {
        gk2[j * CLASSES + c] += hidden[j] * d;
        dHidden[j] += k2[j * CLASSES + c] * d;
      }
    }
    for (let j = 0; j < HIDDEN; j++) {
      if (hidden[j] <= 0) continue;
      gb1[j] += dHidden[j];
      for (let i = 0; i < INPUTS; i++) if (pixels[i] !== 0) gk1[i * HIDDEN + j] += pixels[i] * dHidden[j];
    }
  }
  return g;
}

/** Share of `digits` the model labels right. */
export function accuracy(w: Layer[], digits: Digit[]): number {
  let right = 0;
  for (const { label, pixels } of digits) {
    const { probs } = forward(w, pixels);
    let best = 0;
    for (let c = 1; c < CLASSES; c++) if (probs[c] > probs[best]) best = c;
    if (best === label) right++;
  }
  return right / digits.length;
}

/** The weights as one Float32Array (layer order), and back. */
export function flatten(layers: Layer[]): Float32Array {
  const out = new Float32Array(PARAMETERS);
  let at = 0;
  for (const l of layers) {
    out.set(l.values, at);
    at += l.values.length;
  }
  return out;
}

export function unflatten(flat: Float32Array): Layer[] {
  let at = 0;
  return SHAPES.map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = flat.slice(at, at + n);
    at += n;
    return { name, shape, values };
  });
}
