/**
 * The two label-free reads of the wire (eval/attacks/wire.ts, issue 20 ask 0), on a synthetic
 * digit and the eval's own defenses: positions only recovers the support (and brightness) of x
 * where the selection looks at magnitudes, and fails under random-k (the control); the
 * statistics-scaled completion recovers the scale where the bias entries are not sent.
 */
import { gradientParams, gradients, toWeights } from '../../eval/mlp';
import { MODELS, Params } from '../../eval/models';
import { Rng } from '../../eval/rng';
import { completeLowRank, stackFirstLayer, rank1Image } from '../../eval/attacks/completion';
import { positionsImage, positionsAttack, statScaled, measureStats, DEFAULT_STATS, logMagnitudeStart } from '../../eval/attacks/wire';
import { attackMlp } from '../../eval/attacks/mlp_attacks';
import { dgp, dgpNoise, randomK, DefenseSpec } from '../../eval/defenses';
import { psnr } from '../../eval/metrics';
import { GATE_FREE } from '../../eval/stats';
import { summarize, Row } from '../../eval/report';

const m = MODELS.mlp;
const weights = m.init(new Rng(8));
const w = toWeights(weights);

/** a digit-like image: a bright ring (at least 20 pixels at 1) on a black background, soft edges */
function digit(seed: number, width = 1): Float64Array {
  const r = new Rng(seed);
  const cx = 10 + r.int(8), cy = 10 + r.int(8), rad = 5 + r.int(3);
  return Float64Array.from({ length: 784 }, (_, i) => {
    const d = Math.abs(Math.hypot((i % 28) - cx, Math.floor(i / 28) - cy) - rad);
    return d < width ? 1 : d < width + 1 ? width + 1 - d : 0;
  });
}

function send(def: DefenseSpec, x: Float64Array, label: number) {
  const g: Params = gradientParams(w, x, [label]);
  return def.make(m.layers, new Rng(3), { round: 0 }).transmit(g);
}

/** what the attacker's model gives for d1 = gb1 at image x and a label */
const d1 = (x: Float64Array, label: number) => gradients(w, x, [label])[1];

/** fraction of pixels whose "is background" agrees between a and b */
function supportAgreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < 784; i++) if ((a[i] > 0) === (b[i] > 0)) ok++;
  return ok / 784;
}

describe('positions only', () => {
  test('plain 10% pruning + noise σ = 0.1: the positions give the support of x and the digit', () => {
    const x = digit(21);
    const tr = send(dgpNoise(0, 0.9, 0.1), x, 4);
    const rec = positionsAttack(tr.sent!['fc1/w'], d1)!;
    // every sent first-layer entry lies in a row with x_i > 0 (x_i = 0 makes the whole row 0)
    for (let i = 0; i < 784; i++) if (x[i] === 0) expect(rec[i]).toBe(0);
    expect(supportAgreement(rec, x)).toBeGreaterThan(0.97);
    expect(psnr(Float32Array.from(x), Float32Array.from(rec))).toBeGreaterThan(20);
  });

  test('DGP top 5% + noise: the support is still exact (rows of background send nothing)', () => {
    // as many nonzero pixels as a typical MNIST digit (150): more nonzero entries than DGP's top
    // 5% and keep 10% together, so no zero is sent
    const x = digit(22, 1.5);
    expect(x.filter((v) => v > 0).length).toBeGreaterThan(150);
    const rec = positionsImage(send(dgpNoise(0.05, 0.85, 0.03), x, 7).sent!['fc1/w'])!;
    for (let i = 0; i < 784; i++) if (x[i] === 0) expect(rec[i]).toBe(0);
    expect(supportAgreement(rec, x)).toBeGreaterThan(0.95);
  });

  test('top withholding (95% sent): the withheld entries mark the bright pixels', () => {
    const x = digit(23);
    const rec = positionsImage(send(dgp(0.05, 0), x, 1).sent!['fc1/w'])!;
    expect(psnr(Float32Array.from(x), Float32Array.from(rec))).toBeGreaterThan(15);
  });

  test('DGP top 5% + noise σ = 0.03: the count falls for the brightest pixels, the band fit recovers the digit', () => {
    const x = digit(29, 1.5);
    const mask = send(dgpNoise(0.05, 0.85, 0.03), x, 6).sent!['fc1/w'];
    const count = psnr(Float32Array.from(x), Float32Array.from(positionsImage(mask)!));
    const fit = positionsAttack(mask, d1)!;
    for (let i = 0; i < 784; i++) if (x[i] === 0) expect(fit[i]).toBe(0);
    expect(psnr(Float32Array.from(x), Float32Array.from(fit))).toBeGreaterThan(Math.max(20, count + 5));
  });

  test('random-k (positions drawn without looking at the data): fails, no better than a black guess', () => {
    const x = digit(24);
    const mask = send(randomK(0.1), x, 2).sent!['fc1/w'];
    const black = psnr(Float32Array.from(x), new Float32Array(784));
    for (const rec of [positionsImage(mask)!, positionsAttack(mask, d1)!]) {
      expect(psnr(Float32Array.from(x), Float32Array.from(rec))).toBeLessThan(black + 1);
      expect(supportAgreement(rec, x)).toBeLessThan(0.5);
    }
  });

  test('a dense update carries no positions: not run', () => {
    expect(positionsImage(null)).toBeNull();
    const g = gradientParams(w, digit(25), [3]);
    const r = attackMlp({ model: m, weights, values: g, sent: null, band: false, batchSize: 1 }, [3],
      { attacks: ['positions', 'closed-stat'], labelModes: ['true', 'recovered'], igIterations: 0, restarts: 1, dlgIterations: 0, tv: 0, completionIterations: 5, demix: { starts: 1, iterations: 1, lr: 0.05 } }, 1, new Float64Array(784));
    expect(r.map((a) => a.attack)).toEqual(['closed-stat', 'closed-stat']);
  });
});

describe('completion scaled by image statistics', () => {
  test('recovers the scale of x from u = c x for any c of either sign', () => {
    const x = digit(26);
    for (const c of [1e-4, -3, 250]) {
      const rec = statScaled(x.map((v) => c * v), { rank: 20, value: 1 });
      expect(psnr(Float32Array.from(x), Float32Array.from(rec))).toBe(100);
    }
  });

  test('no bias entry sent: the bias-scaled closed form has no scale, the statistics give it', () => {
    const x = digit(27);
    const g = gradientParams(w, x, [5]);
    const rng = new Rng(2);
    const mw = Uint8Array.from(g['fc1/w'], () => (rng.next() < 0.2 ? 1 : 0));
    const mb = new Uint8Array(100);
    const { G, mask } = stackFirstLayer(g['fc1/w'], g['fc1/b'], mw, mb);
    const { U } = completeLowRank(G, mask, 785, 100, 1, 10, new Rng(1));
    expect(rank1Image(U, false)).toBeNull();
    const rec = statScaled(U, { rank: 20, value: 1 });
    expect(psnr(Float32Array.from(x), Float32Array.from(rec))).toBeGreaterThan(60);
  });

  test('DGP top 10%: the log-magnitude start makes the band-masked completion exact; scaled by statistics it recovers x', () => {
    const x = digit(28, 1.5);
    const g = gradientParams(w, x, [8]);
    const tr = dgp(0.1, 0.8).make(m.layers, new Rng(3), { round: 0 }).transmit(g);
    const { G, mask } = stackFirstLayer(tr.values['fc1/w'], tr.values['fc1/b'], tr.sent!['fc1/w'], tr.sent!['fc1/b']);
    const v0 = logMagnitudeStart(G, mask, 785, 100);
    const { U } = completeLowRank(G, mask, 785, 100, 1, 10, new Rng(1), v0);
    // every sent entry is fitted (relative error), so u is x up to one scale on the sent rows
    let worst = 0;
    for (let i = 0; i < 784; i++) if (x[i] > 0 && U[i] !== 0) worst = Math.max(worst, Math.abs(U[i] / U[784] - x[i]));
    expect(worst).toBeLessThan(1e-6);
    expect(psnr(Float32Array.from(x), Float32Array.from(statScaled(U, { rank: 20, value: 1 })))).toBeGreaterThan(30);
  });

  test('measureStats: the median rank-th largest pixel', () => {
    const xs = Float64Array.from([...digit(1), ...digit(2), ...digit(3)]);
    expect(measureStats(xs, 3)).toEqual({ rank: DEFAULT_STATS.rank, value: 1 });
  });
});

describe('counting', () => {
  test('positions counts without the undefended gate; the other attacks still need it', () => {
    expect(GATE_FREE).toEqual(['positions']);
    const row = (defense: string, attack: string, image: number, p: number): Row => ({ model: 'mlp', defense, family: 'x', settings: {}, attack, labelMode: 'recovered', batchSize: 1, round: 'first', image, unit: image, psnr: p, ssim: 0, bytesPerRound: 1, labelCorrect: null, budget: 'full', seconds: 0 });
    const rows: Row[] = [];
    for (let k = 0; k < 4; k++) rows.push(row('none', 'closed', k, 100), row('none', 'ig', k, 10), row('prune keep=0.1', 'closed', k, 15), row('prune keep=0.1', 'ig', k, 40), row('prune keep=0.1', 'positions', k, 25));
    const s = summarize(rows, []);
    expect(s.counting['mlp|1|first|recovered']).toEqual(['closed', 'positions']);
    const h = s.headlines.find((x) => x.defense === 'prune keep=0.1')!;
    expect(h.attack).toBe('positions');
  });
});
