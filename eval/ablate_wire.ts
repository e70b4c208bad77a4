/**
 * Ablation of the two label-free attacks (attacks/wire.ts) on the batch-size-1, first-round jobs
 * of the full run (same images, weights and per-image defense seeds as jobs.ts):
 * - closed-stat's completion from a random start (as the closed form) or from the log-magnitude
 *   fit, both scaled by image statistics;
 * - positions only: the plain count of sent (or withheld) entries per pixel, or the band fit.
 * `node out/eval/ablate_wire.js [--images N] [--record]` writes wire-ablation.md under
 * out/results/eval/ (or eval/results/ with --record).
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadSplit, subset } from './data';
import { Rng } from './rng';
import { MODELS } from './models';
import { gradientParams, gradients, toWeights } from './mlp';
import { allDefenses } from './plan';
import { completeLowRank, stackFirstLayer } from './attacks/completion';
import { statScaled, positionsImage, positionsAttack, logMagnitudeStart, measureStats } from './attacks/wire';
import { psnr } from './metrics';
import { bootstrap, median, mean, isSuccess } from './stats';
import { ssim } from './metrics';

const SEED = 1;
const arg = (n: string) => { const i = process.argv.indexOf(n); return i > 0 ? process.argv[i + 1] : null; };
const images = Number(arg('--images') ?? 64);
const t0 = Date.now();
const split = loadSplit(SEED);
const r = new Rng(SEED + 100);
const targets = Array.from({ length: 64 }, () => r.int(split.train.n)).slice(0, images);
const weights = MODELS.mlp.init(new Rng(SEED + 7));
const w = toWeights(weights);
const stats = measureStats(split.test.x, split.test.n);
const labels = ['prune keep=0.1', 'random-k keep=0.1', 'top-withhold top=0.05', 'DGP top=0.01 keep=0.1', 'DGP top=0.05 keep=0.1', 'DGP top=0.1 keep=0.1', 'DGP top=0.2 keep=0.1',
  'DGP top=0.05 keep=0.1 + noise σ=0.03', 'prune keep=0.1 + noise σ=0.1'];
const defs = new Map(allDefenses().map((d) => [d.label, d]));
const cols = ['closed-stat, random start', 'closed-stat, log-magnitude start', 'positions, count', 'positions, band fit (as run)'];
const lines = [`# Ablation of the label-free attacks (batch size 1, first round, ${images} images)`, '',
  `Command: \`node out/eval/ablate_wire.js --images ${images}\`. Median PSNR [95% bootstrap CI], success (PSNR ≥ 20 dB or SSIM ≥ 0.9). Image statistics: 20th-largest pixel ${stats.value.toFixed(3)} (test split).`, '',
  `| defense | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`];
for (const label of labels) {
  const d = defs.get(label)!;
  const res: Array<{ p: number; s: number }[]> = cols.map(() => []);
  targets.forEach((idx, k) => {
    const x = subset(split.train, [idx]);
    const g = gradientParams(w, x.x, [x.y[0]]);
    const tr = d.make(MODELS.mlp.layers, new Rng(SEED * 104729 + k), { round: 0 }).transmit(g);
    const mw = tr.sent ? tr.sent['fc1/w'] : null, mb = tr.sent ? tr.sent['fc1/b'] : null;
    const { G, mask } = stackFirstLayer(tr.values['fc1/w'], tr.values['fc1/b'], mw, mb);
    const a = completeLowRank(G, mask, 785, 100, 1, 10, new Rng(SEED * 7919 + k)).U;
    const b = completeLowRank(G, mask, 785, 100, 1, 10, new Rng(SEED * 7919 + k), logMagnitudeStart(G, mask, 785, 100)).U;
    const recs = [statScaled(a, stats), statScaled(b, stats), positionsImage(mw, stats)!, positionsAttack(mw, (xx, l) => gradients(w, xx, [l])[1], stats)!];
    recs.forEach((rec, c) => { const f = Float32Array.from(rec); res[c].push({ p: psnr(x.x, f), s: ssim(x.x, f) }); });
  });
  const units = targets.map((_, k) => k);
  lines.push(`| ${label} | ${res.map((v) => {
    const m = bootstrap(v.map((q) => q.p), units, median, 1), sr = mean(v.map((q) => (isSuccess(q.p, q.s) ? 1 : 0)));
    return `${m.estimate.toFixed(1)} [${m.lo.toFixed(1)}, ${m.hi.toFixed(1)}], ${Math.round(100 * sr)}%`;
  }).join(' | ')} |`);
  console.log(lines[lines.length - 1]);
}
lines.push('', `${Math.round((Date.now() - t0) / 1000)} s.`, '');
const dir = path.join(__dirname, '..', '..', ...(process.argv.includes('--record') ? ['eval', 'results'] : ['out', 'results', 'eval']));
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'wire-ablation.md'), lines.join('\n'));
