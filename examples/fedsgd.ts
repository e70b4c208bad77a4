/**
 * FedSGD with DGP and ADGP in one process: a server and several clients train a small MLP
 * (tfjs-core ops on backend-cpu) on synthetic clustered data. Each round every client computes
 * its gradient, runs error feedback (top 1% withheld, bottom 80% kept in memory), encodes the
 * update and "sends" the bytes; the server decodes, averages and takes an SGD step.
 * Rounds alternate: a plain DGP round refreshes the ADGP positions from the full aggregate, then
 * ADGP rounds upload and download values only on those positions.
 *
 *   npm run build:scripts && node out/examples/fedsgd.js
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import {
  aggregateAligned, aggregateUpdates, AlignedPositions, chooseAlignedPositions, decodeAligned, decodePositions, decodeUpdate,
  DenseLayer, densifyAligned, encodeAligned, encodePositions, encodeUpdate, ErrorFeedback, sparseFromDense,
} from '../src/index';

const CLIENTS = 5;
const ROUNDS = 12;
const REFRESH_EVERY = 4; // a DGP round every 4 rounds re-picks the ADGP positions
const CONFIG = { topRatio: 0.01, bottomRatio: 0.8 };
const LR = 0.5;
const FEATURES = 32;
const CLASSES = 4;

tf.setBackend('cpu');

// Synthetic data: 4 Gaussian clusters, each client holding its own 256 samples.
function clientData(client: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const labels = tf.randomUniform([256], 0, CLASSES, 'int32', 100 + client) as tf.Tensor1D;
    const centers = tf.randomNormal([CLASSES, FEATURES], 0, 1.5, 'float32', 7);
    const x = tf.add(tf.gather(centers, labels), tf.randomNormal([256, FEATURES], 0, 1, 'float32', 200 + client)) as tf.Tensor2D;
    return { x, y: tf.cast(tf.oneHot(labels, CLASSES), 'float32') as tf.Tensor2D };
  });
}

const weights: Record<string, tf.Variable> = {
  'dense1/kernel': tf.variable(tf.randomNormal([FEATURES, 64], 0, 0.1, 'float32', 1), true, 'dense1/kernel'),
  'dense1/bias': tf.variable(tf.zeros([64]), true, 'dense1/bias'),
  'dense2/kernel': tf.variable(tf.randomNormal([64, CLASSES], 0, 0.1, 'float32', 2), true, 'dense2/kernel'),
  'dense2/bias': tf.variable(tf.zeros([CLASSES]), true, 'dense2/bias'),
};
const parameters = Object.values(weights).reduce((s, v) => s + v.size, 0);
const denseBytes = 4 * parameters;

/**
 * Local loss and gradient of the MLP (softmax cross-entropy). Written out by hand: tfjs-core's
 * Node bundle does not register gradient functions (tfjs-layers or tfjs-node would), and the
 * back-propagation of two dense layers is four lines.
 */
function lossAndGrads(x: tf.Tensor2D, y: tf.Tensor2D): { lossValue: number; g: tf.NamedTensorMap } {
  return tf.tidy(() => {
    const w1 = weights['dense1/kernel'];
    const w2 = weights['dense2/kernel'];
    const pre = tf.add(tf.matMul(x, w1), weights['dense1/bias']);
    const h = tf.relu(pre);
    const logits = tf.add(tf.matMul(h, w2), weights['dense2/bias']);
    const lossValue = (tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar).dataSync()[0];
    const d2 = tf.div(tf.sub(tf.softmax(logits), y), x.shape[0]); // dL/dlogits
    const d1 = tf.mul(tf.matMul(d2, w2, false, true), tf.step(pre)); // dL/dpre
    const g: tf.NamedTensorMap = {
      'dense1/kernel': tf.matMul(x, d1, true, false),
      'dense1/bias': tf.sum(d1, 0),
      'dense2/kernel': tf.matMul(h, d2, true, false),
      'dense2/bias': tf.sum(d2, 0),
    };
    return { lossValue, g }; // tidy keeps tensors found in the returned object
  });
}

/** The server's SGD step from dense aggregate layers. */
function apply(aggregate: DenseLayer[]): void {
  for (const l of aggregate) {
    const w = weights[l.name];
    tf.tidy(() => w.assign(tf.sub(w, tf.mul(tf.tensor(l.values, l.shape), LR))));
  }
}

const data = Array.from({ length: CLIENTS }, (_, c) => clientData(c));
const memories = Array.from({ length: CLIENTS }, () => new ErrorFeedback(CONFIG));
let positions: AlignedPositions | null = null;

console.log(`FedSGD: ${CLIENTS} clients, MLP with ${parameters} parameters (dense float32 update ${denseBytes} B), DGP top 1% / bottom 80%`);
console.log('round  kind  upload B/client  download B  broadcast B  vs dense (up)   mean loss');
for (let round = 0; round < ROUNDS; round++) {
  // Clients: gradients of their local loss at the current global weights.
  const grads = data.map(({ x, y }) => lossAndGrads(x, y));
  const meanLoss = grads.reduce((s, c) => s + c.lossValue, 0) / CLIENTS;
  const adgp = positions !== null && round % REFRESH_EVERY !== 0;
  let upload = 0;
  let download = 0;
  let broadcast = 0;
  if (!adgp) {
    const messages = grads.map(({ g }, c) => encodeUpdate(memories[c].step(g, round)));
    upload = messages.reduce((s, m) => s + m.length, 0) / CLIENTS;
    const aggregate = aggregateUpdates(messages.map(decodeUpdate), { reduce: 'mean', maxElements: parameters });
    download = encodeUpdate(sparseFromDense(aggregate, round)).length;
    apply(aggregate);
    // The broadcaster picks the next ADGP positions from this full aggregate.
    const bytes = encodePositions(chooseAlignedPositions(aggregate, CONFIG, round + 1));
    broadcast = bytes.length;
    positions = decodePositions(bytes);
  } else {
    const pos = positions!;
    const messages = grads.map(({ g }, c) => encodeAligned(memories[c].stepAligned(g, pos, round)));
    upload = messages.reduce((s, m) => s + m.length, 0) / CLIENTS;
    const downloadBytes = encodeAligned(aggregateAligned(messages.map(decodeAligned), pos, { reduce: 'mean' }));
    download = downloadBytes.length;
    apply(densifyAligned(decodeAligned(downloadBytes), pos, { maxElements: parameters }));
  }
  grads.forEach(({ g }) => tf.dispose(g));
  console.log(
    `${String(round).padStart(5)}  ${(adgp ? 'ADGP' : 'DGP').padEnd(4)}  ${upload.toFixed(0).padStart(15)}  ${String(download).padStart(10)}  ${String(broadcast).padStart(11)}  ${((100 * upload) / denseBytes).toFixed(1).padStart(8)}%   ${meanLoss.toFixed(4)}`,
  );
}
memories.forEach((m) => m.dispose());
data.forEach(({ x, y }) => tf.dispose([x, y]));
