/**
 * FedSGD on the MLP (plain TypeScript, eval/mlp.ts): each round every client computes the gradient
 * of its loss on a fresh minibatch from its own IID shard at the current global weights, passes it
 * through its own defense instance (which holds that client's error-feedback memory across
 * rounds), and the server averages what arrives and takes one SGD step. Returns the test-accuracy
 * curve, the mean bytes each client sent per round, and the defense objects (so client 0's memory
 * after training can be used by a later-round attack).
 */
import { Dataset, PIXELS } from './data';
import { DefenseSpec, ClientDefense, Shared } from './defenses';
import { LayerSpec, Params } from './models';
import { gradientParams, predict, toWeights } from './mlp';
import { Rng } from './rng';

export interface FedConfig { clients: number; rounds: number; batch: number; lr: number; evalEvery: number }

export interface FedResult {
  testAccuracy: number;
  bytesPerRound: number;
  /** [round, test accuracy] every cfg.evalEvery rounds */
  curve: Array<[number, number]>;
  weights: Params;
  clients: ClientDefense[];
}

export function testAccuracy(w: Params, test: Dataset): number {
  const pred = predict(toWeights(w), test.x, test.n);
  let ok = 0;
  for (let i = 0; i < test.n; i++) if (pred[i] === test.y[i]) ok++;
  return ok / test.n;
}

export function runFedSgd(layers: LayerSpec[], init: Params, d: DefenseSpec, train: Dataset, test: Dataset, cfg: FedConfig, seed: number): FedResult {
  const rng = new Rng(seed);
  const order = rng.shuffle(Array.from({ length: train.n }, (_, i) => i));
  const shards = Array.from({ length: cfg.clients }, (_, c) => order.filter((_, i) => i % cfg.clients === c));
  const shared: Shared = { round: 0 };
  const clients = shards.map((_, c) => d.make(layers, new Rng(seed * 1000 + c), shared));
  const w: Params = {};
  for (const l of layers) w[l.name] = new Float32Array(init[l.name]);
  let bytes = 0;
  const curve: Array<[number, number]> = [];
  const x = new Float32Array(cfg.batch * PIXELS);
  for (let r = 1; r <= cfg.rounds; r++) {
    const wt = toWeights(w);
    const sum: Params = {};
    for (const l of layers) sum[l.name] = new Float32Array(w[l.name].length);
    clients.forEach((client, c) => {
      const shard = shards[c];
      const y: number[] = [];
      for (let b = 0; b < cfg.batch; b++) {
        const j = shard[rng.int(shard.length)];
        x.set(train.x.subarray(j * PIXELS, (j + 1) * PIXELS), b * PIXELS);
        y.push(train.y[j]);
      }
      const tr = client.transmit(gradientParams(wt, x, y));
      bytes += tr.bytes;
      for (const l of layers) {
        const s = sum[l.name]; const v = tr.values[l.name];
        for (let i = 0; i < s.length; i++) s[i] += v[i];
      }
    });
    shared.round = r;
    d.endRound?.(shared, sum, layers);
    const step = cfg.lr / cfg.clients;
    for (const l of layers) {
      const a = w[l.name]; const s = sum[l.name];
      for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i] - step * s[i]);
    }
    if (r % cfg.evalEvery === 0 || r === cfg.rounds) curve.push([r, testAccuracy(w, test)]);
  }
  return { testAccuracy: curve[curve.length - 1][1], bytesPerRound: bytes / (cfg.rounds * cfg.clients), curve, weights: w, clients };
}
