// An in-browser federated client (examples/browser, `npm run example:browser`): trains a small
// MLP on MNIST digits in the page with tfjs, and every round prunes its gradient with DGP
// (ErrorFeedback: top 1% withheld, bottom 80% kept in memory), encodes the update and "sends" it
// to an in-page server that decodes it and applies it. The page shows the bytes sent against
// dense float32 and the tfjs-dgp backend in use (wasm in a browser).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { backendInfo, decodeUpdate, encodeUpdate, ErrorFeedback } from 'tfjs-dgp';

const ROUNDS = 60;
const BATCH = 50;
const LEARNING_RATE = 0.5;
const CONFIG = { topRatio: 0.01, bottomRatio: 0.8 };

const $ = (id) => document.getElementById(id);
const fmtBytes = (b) => (b < 1024 ? `${b} B` : b < 1048576 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1048576).toFixed(2)} MiB`);

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function drawDigits(digits) {
  const canvas = $('digits');
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(28 * 10, 28 * 2);
  for (let k = 0; k < 20; k++) {
    const pixels = digits[k * 13].pixels;
    const ox = (k % 10) * 28, oy = Math.floor(k / 10) * 28;
    for (let p = 0; p < 784; p++) {
      const at = ((oy + Math.floor(p / 28)) * 280 + ox + (p % 28)) * 4;
      const v = 255 - Math.round(pixels[p] * 255);
      img.data[at] = img.data[at + 1] = img.data[at + 2] = v;
      img.data[at + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

async function main() {
  await tf.setBackend('cpu');
  const info = backendInfo();
  $('backend').textContent = `${info.backend}` + (info.backend === 'wasm' ? ` (module ${fmtBytes(info.wasm.bytes)}, SIMD128, sha256 ${info.wasm.sha256.slice(0, 12)}…)` : '');
  const { train, test } = await (await fetch('/digits.json')).json();
  drawDigits(train);
  const toTensors = (set) => ({
    x: tf.tensor2d(set.flatMap((d) => d.pixels), [set.length, 784]),
    y: tf.oneHot(tf.tensor1d(set.map((d) => d.label), 'int32'), 10),
  });
  const trainT = toTensors(train);
  const testT = toTensors(test);

  // The server's model and the client's copy start equal (seeded initial weights).
  const r = lcg(1);
  const init = (shape, scale) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => (r() - 0.5) * scale), shape);
  const shapes = { w1: [784, 64], b1: [64], w2: [64, 10], b2: [10] };
  const server = { w1: init(shapes.w1, 0.1), b1: tf.zeros([64]), w2: init(shapes.w2, 0.5), b2: tf.zeros([10]) };
  const client = {};
  for (const k of Object.keys(shapes)) client[k] = tf.variable(server[k].clone(), true, k);
  const params = Object.values(shapes).reduce((s, sh) => s + sh.reduce((a, b) => a * b), 0);

  const predict = (m, x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, m.w1), m.b1)), m.w2), m.b2);
  const accuracy = (m) => tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(predict(m, testT.x), 1), tf.argMax(testT.y, 1)), 'float32')).dataSync()[0]);

  const ef = new ErrorFeedback(CONFIG, { mode: 'bottom' });
  let sent = 0;
  let dense = 0;
  const t0 = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    // The client trains on a minibatch of its digits, from the server's current weights.
    for (const k of Object.keys(shapes)) client[k].assign(server[k]);
    const start = ((round - 1) * BATCH) % train.length;
    const { grads } = tf.variableGrads(() =>
      tf.tidy(() => {
        const x = tf.slice(trainT.x, [start, 0], [BATCH, 784]);
        const y = tf.slice(trainT.y, [start, 0], [BATCH, 10]);
        const logits = predict(client, x);
        return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, y), 1)));
      }),
    );
    // DGP + error feedback, then the wire format: this is all that leaves the page.
    const bytes = encodeUpdate(ef.step(grads, round));
    tf.dispose(Object.values(grads));
    sent += bytes.length;
    dense += params * 4;
    // The server decodes the message and takes an SGD step with the sparse gradient.
    const update = decodeUpdate(bytes);
    for (const layer of update.layers) {
      const w = server[layer.name];
      const flat = w.dataSync().slice();
      for (let j = 0; j < layer.indices.length; j++) flat[layer.indices[j]] -= LEARNING_RATE * layer.values[j];
      server[layer.name] = tf.tensor(flat, layer.shape);
      w.dispose();
    }
    if (round % 5 === 0 || round === ROUNDS) {
      const acc = accuracy(server);
      const row = document.createElement('tr');
      row.innerHTML = `<td>${round}</td><td>${fmtBytes(bytes.length)}</td><td>${fmtBytes(params * 4)}</td><td>${(acc * 100).toFixed(1)}%</td>`;
      $('rounds').appendChild(row);
      $('sent').textContent = fmtBytes(sent);
      $('dense').textContent = fmtBytes(dense);
      $('ratio').textContent = `${(dense / sent).toFixed(1)}× fewer bytes`;
      $('bar').style.width = `${(100 * sent) / dense}%`;
      $('acc').textContent = `${(acc * 100).toFixed(1)}%`;
      await new Promise((done) => setTimeout(done, 0)); // let the page paint
    }
  }
  const result = { backend: info.backend, rounds: ROUNDS, params, sent, dense, accuracy: accuracy(server), seconds: (performance.now() - t0) / 1000 };
  $('status').textContent = `done: ${ROUNDS} rounds in ${result.seconds.toFixed(1)} s`;
  window.__result = JSON.stringify(result);
}

main().catch((e) => {
  $('status').textContent = `failed: ${e.message}`;
  window.__error = String(e.stack || e);
});
