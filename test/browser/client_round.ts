/**
 * One small federated client, written once and run both in Chromium (test/browser/page/main.ts,
 * bundled with esbuild) and in Node (chromium.test.ts): train a tiny MLP with tfjs for a few SGD
 * steps, and on every step prune the gradients (dgpPruneGradients), run error feedback
 * (ErrorFeedback.step) and encode the update (encodeUpdate), and the same with local
 * differential privacy (clipping and discrete-Gaussian noise from a fixed unsafeSeed); a server side then sums each update
 * with a streaming Aggregator (a corrupted copy rejected in between) and merges the partials.
 * tf and the package are passed in, so
 * each side uses its own module instances. Everything returned is plain numbers, so the page can
 * hand it to Node as JSON and the two are compared bit for bit.
 */
import type * as TF from '@tensorflow/tfjs-core';

type Dgp = typeof import('../../src');

export interface ClientResult {
  backend: string;
  /** Per step: the float32 bits of every gradient layer, in name order. */
  gradientBits: number[][][];
  /** Per step: per layer, dgpPruneGradients' kept indices and the bits of the pruned tensor. */
  keptIndices: number[][][];
  prunedBits: number[][][];
  /** Per step: encodeUpdate(ErrorFeedback.step(grads)). */
  updateBytes: number[][];
  /** Per step: the partial of an Aggregator fed that update twice and merged twice (see serverSide). */
  partialBytes: number[][];
  /** The final weights' bits, in name order. */
  weightBits: number[][];
  /** Per step: encodeUpdate of a second client with local noise (privacy.noise 'local', fixed unsafeSeed). */
  noisedUpdateBytes: number[][];
  /** Two generators keyed from the platform's secure source drew different first words. */
  secureKeysDiffer: boolean;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const bitsOf = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

export function runClient(tf: typeof TF, dgp: Dgp, steps = 4, tag = ''): ClientResult {
  const r = lcg(7);
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => r() * scale);
  const shapes: Record<string, number[]> = { b1: [12], b2: [3], w1: [8, 12], w2: [12, 3] };
  const vars: Record<string, TF.Variable> = {};
  for (const name of Object.keys(shapes).sort()) {
    const size = shapes[name].reduce((a, b) => a * b, 1);
    vars[name] = tf.variable(tf.tensor(fill(size, 0.8), shapes[name]), true, `${name}${tag}`);
  }
  const x = tf.tensor(fill(16 * 8, 2), [16, 8]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => (i * 7) % 3), 'int32'), 3);
  const ef = new dgp.ErrorFeedback({ topRatio: 0.05, bottomRatio: 0.5 }, { mode: 'bottom' });
  // The same client with local differential privacy: clipping, discrete-Gaussian noise from
  // the ChaCha20 generator (a fixed seed, so both sides draw the same noise), then the selection.
  const noisy = new dgp.ErrorFeedback(
    { topRatio: 0.05, bottomRatio: 0.5 },
    { mode: 'bottom', privacy: { noise: 'local', clipNorm: 1, noiseMultiplier: 0.05, unsafeSeed: 2024 } },
  );
  const result: ClientResult = {
    backend: dgp.getBackend(), gradientBits: [], keptIndices: [], prunedBits: [], updateBytes: [], partialBytes: [], weightBits: [],
    noisedUpdateBytes: [], secureKeysDiffer: secureKeysDiffer(dgp),
  };
  for (let step = 0; step < steps; step++) {
    const { grads } = tf.variableGrads(() => {
      const h = tf.relu(tf.add(tf.matMul(x, vars.w1), vars.b1));
      const logits = tf.add(tf.matMul(h, vars.w2), vars.b2);
      return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, labels), 1))) as TF.Scalar;
    });
    // variableGrads keys are the variables' names; give the package plain layer names.
    const named: TF.NamedTensorMap = {};
    for (const name of Object.keys(shapes).sort()) named[name] = grads[`${name}${tag}`];
    result.gradientBits.push(Object.keys(named).map((n) => bitsOf(named[n].dataSync() as Float32Array)));
    const { pruned, kept } = dgp.dgpPruneGradients(named, { topRatio: 0.05, bottomRatio: 0.5 });
    result.keptIndices.push(Object.keys(named).map((n) => Array.from(kept[n].indices)));
    result.prunedBits.push(Object.keys(named).map((n) => bitsOf(pruned[n].dataSync() as Float32Array)));
    const update = ef.step(named);
    const bytes = dgp.encodeUpdate(update);
    result.updateBytes.push(Array.from(bytes));
    result.partialBytes.push(serverSide(dgp, bytes, step));
    result.noisedUpdateBytes.push(Array.from(dgp.encodeUpdate(noisy.step(named))));
    // The step the client takes locally: SGD on its own pruned gradient.
    for (const name of Object.keys(named)) vars[name].assign(tf.sub(vars[name], tf.mul(pruned[name], 0.5)));
    tf.dispose([...Object.values(grads), ...Object.values(pruned)]);
  }
  result.weightBits = Object.keys(vars).sort().map((n) => bitsOf(vars[n].dataSync() as Float32Array));
  tf.dispose([x, labels, ...Object.values(vars)]);
  return result;
}

/** Keys from the platform's source (Web Crypto in a page, Node's crypto here) differ between two generators. */
function secureKeysDiffer(dgp: Dgp): boolean {
  const a = new Uint32Array(16), b = new Uint32Array(16);
  dgp.SecureRandom.create().fillUint32(a);
  dgp.SecureRandom.create().fillUint32(b);
  return a.some((w, i) => w !== b[i]);
}

/**
 * The streaming server on one update: add it (weight step + 1), reject a copy with a flipped value
 * bit (CRC mismatch: the sums must not change), add it again (weight 0.5), then merge that
 * aggregator's partial twice into a root; returns the root's partial.
 */
function serverSide(dgp: Dgp, bytes: Uint8Array, step: number): number[] {
  const agg = new dgp.Aggregator({ maxElements: 1e4 });
  agg.add(bytes, step + 1);
  const bad = bytes.slice();
  bad[bad.length - 5] ^= 1;
  let rejected = false;
  try {
    agg.add(bad);
  } catch (e) {
    rejected = e instanceof dgp.DgpFormatError;
  }
  if (!rejected) throw new Error('the corrupted update was not rejected');
  agg.add(bytes, 0.5);
  const root = new dgp.Aggregator({ maxElements: 1e4 });
  root.merge(agg.encodePartial());
  root.merge(agg.encodePartial());
  return Array.from(root.encodePartial());
}
