/**
 * FedSGD with several clients: each round every client computes the gradient of its loss on a
 * fresh minibatch from its own IID shard at the current global weights, passes it through its own
 * defense instance (which holds that client's error-feedback memory across rounds), and the server
 * averages what arrives and takes one SGD step. Returns test accuracy, the mean bytes each client
 * sent per round, and the defense objects (so a later round of client 0 can be attacked with its
 * memory as it stands after training).
 */
import { Dataset, PIXELS } from './data';
import { DefenseSpec, ClientDefense, Shared } from './defenses';
import { Model, Params, paramGradsData, toTensors, accuracy } from './models';
import { Rng } from './rng';
import { tf } from './tfjs/setup';

export interface FedConfig { clients: number; rounds: number; batch: number; lr: number; seed: number }

export interface FedResult {
  testAccuracy: number;
  bytesPerRound: number;
  /** test accuracy every `rounds / 10` rounds */
  curve: Array<[number, number]>;
  weights: Params;
  clients: ClientDefense[];
  shared: Shared;
}

export function runFedSgd(m: Model, init: Params, d: DefenseSpec, train: Dataset, test: Dataset, cfg: FedConfig,
  progress?: (round: number) => void): FedResult {
  const rng = new Rng(cfg.seed);
  const order = rng.shuffle(Array.from({ length: train.n }, (_, i) => i));
  const shards = Array.from({ length: cfg.clients }, (_, c) => order.filter((_, i) => i % cfg.clients === c));
  const shared: Shared = { round: 0 };
  const clients = shards.map((_, c) => d.make(m.layers, new Rng(cfg.seed * 1000 + c), shared));
  const w: Params = {};
  for (const l of m.layers) w[l.name] = new Float32Array(init[l.name]);
  let bytes = 0;
  const curve: Array<[number, number]> = [];
  const every = Math.max(1, Math.floor(cfg.rounds / 10));
  for (let r = 1; r <= cfg.rounds; r++) {
    const wt = toTensors(m, w);
    const sum: Params = {};
    for (const l of m.layers) sum[l.name] = new Float32Array(w[l.name].length);
    clients.forEach((client, c) => {
      const shard = shards[c];
      const x = new Float32Array(cfg.batch * PIXELS);
      const y: number[] = [];
      for (let b = 0; b < cfg.batch; b++) {
        const j = shard[rng.int(shard.length)];
        x.set(train.x.subarray(j * PIXELS, (j + 1) * PIXELS), b * PIXELS);
        y.push(train.y[j]);
      }
      const tr = client.transmit(paramGradsData(m, wt, x, y));
      bytes += tr.bytes;
      for (const l of m.layers) {
        const s = sum[l.name]; const v = tr.values[l.name];
        for (let i = 0; i < s.length; i++) s[i] += v[i];
      }
    });
    tf.dispose(Object.values(wt));
    shared.round = r;
    d.endRound?.(shared, sum, m.layers);
    const step = cfg.lr / cfg.clients;
    for (const l of m.layers) {
      const a = w[l.name]; const s = sum[l.name];
      for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i] - step * s[i]);
    }
    if (r % every === 0 || r === cfg.rounds) {
      const wt2 = toTensors(m, w);
      curve.push([r, accuracy(m, wt2, test.x, test.y)]);
      tf.dispose(Object.values(wt2));
      progress?.(r);
    }
  }
  return { testAccuracy: curve[curve.length - 1][1], bytesPerRound: bytes / (cfg.rounds * cfg.clients), curve, weights: w, clients, shared };
}
