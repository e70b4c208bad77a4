/** The plain-TypeScript MLP, its second-order gradient, and the attacks built on them (eval/attacks/). */
import { gradients, gradientParams, lossAndInputGrad, toWeights, LAYER_NAMES } from '../../eval/mlp';
import { MODELS, Params } from '../../eval/models';
import { Rng } from '../../eval/rng';
import { digit } from './images';
import { matchTarget, matcher, cosineLoss, l2Loss } from '../../eval/attacks/match_loss';
import { rank1Matcher } from '../../eval/attacks/rank1_match';
import { completeLowRank, stackFirstLayer, rank1Image } from '../../eval/attacks/completion';
import { lbfgs, invertingGradients, dlg } from '../../eval/attacks/optimize';
import { attackMlp } from '../../eval/attacks/mlp_attacks';
import { AttackerView } from '../../eval/attacks/view';
import { psnr } from '../../eval/metrics';
import { bootstrap, median, isSuccess } from '../../eval/stats';
import { drawText } from '../../eval/font';

const m = MODELS.mlp;
const weights = m.init(new Rng(8));
const w = toWeights(weights);


function view(g: Params, sent: Record<string, Uint8Array> | null, band = false, B = 1): AttackerView {
  const values: Params = {};
  for (const n of LAYER_NAMES) values[n] = sent ? g[n].map((v, i) => (sent[n][i] ? v : 0)) : g[n];
  return { model: m, weights, values, sent, band, batchSize: B };
}

describe('mlp second-order gradient', () => {
  test.each(['cosine', 'l2'])('d %s-loss / dx matches central differences (masked, band, B = 2)', (kind) => {
    const x = Float64Array.from([...digit(1), ...digit(2)]);
    const g = gradientParams(w, Float64Array.from([...digit(3), ...digit(4)]), [3, 7]);
    const rng = new Rng(5);
    const sent: Record<string, Uint8Array> = {};
    for (const n of LAYER_NAMES) sent[n] = Uint8Array.from(g[n], () => (rng.next() < 0.3 ? 1 : 0));
    const tg = matchTarget(view(g, sent, true, 2));
    const loss = kind === 'cosine' ? cosineLoss(tg) : l2Loss(tg);
    const { dx } = lossAndInputGrad(w, x, [3, 7], loss);
    const h = 1e-5;
    for (const i of [300, 405, 784 + 350]) {
      const xp = x.slice(); xp[i] += h;
      const xm = x.slice(); xm[i] -= h;
      const fd = (lossAndInputGrad(w, xp, [3, 7], loss).value - lossAndInputGrad(w, xm, [3, 7], loss).value) / (2 * h);
      expect(dx[i]).toBeCloseTo(fd, 5);
    }
  });
});

describe('factored batch-size-1 path', () => {
  test.each([['cosine', true, false], ['l2', true, true], ['cosine', false, false], ['cosine', true, true]] as const)('%s loss, masked %s, band %s: same value and gradient as the general path', (kind, masked, band) => {
    const x = digit(5);
    const g = gradientParams(w, digit(6), [2]);
    const rng = new Rng(9);
    const sent: Record<string, Uint8Array> | null = masked ? {} : null;
    if (sent) for (const n of LAYER_NAMES) sent[n] = Uint8Array.from(g[n], () => (rng.next() < 0.3 ? 1 : 0));
    const tg = matchTarget(view(g, sent, band));
    const slow = lossAndInputGrad(w, x, [5], kind === 'cosine' ? cosineLoss(tg, 1) : l2Loss(tg, 1));
    const fast = rank1Matcher(w, tg, kind, 1)(x, [5]);
    if (band) expect(tg.band.some((b) => b !== null)).toBe(true);
    expect(fast.value).toBeCloseTo(slow.value, 12);
    let err = 0, scale = 0;
    for (let i = 0; i < 784; i++) { err = Math.max(err, Math.abs(fast.dx[i] - slow.dx[i])); scale = Math.max(scale, Math.abs(slow.dx[i])); }
    expect(err).toBeLessThan(1e-9 * scale);
  });
});

describe('closed form (low-rank completion of [gW1; gb1])', () => {
  test('rank-1 completion recovers an image exactly from an unpruned gradient', () => {
    const x = digit(7);
    const g = gradients(w, x, [4]);
    const { G, mask } = stackFirstLayer(g[0], g[1], null, null);
    const { U } = completeLowRank(G, mask, 785, 100, 1, 5, new Rng(1));
    const rec = rank1Image(U, true)!;
    let err = 0;
    for (let i = 0; i < 784; i++) err = Math.max(err, Math.abs(rec[i] - x[i]));
    expect(err).toBeLessThan(1e-9);
  });

  test('rank-1 completion recovers the image from a random 20% of the entries', () => {
    const x = digit(8);
    const g = gradients(w, x, [1]);
    const rng = new Rng(2);
    const mw = Uint8Array.from(g[0], () => (rng.next() < 0.2 ? 1 : 0));
    const mb = Uint8Array.from(g[1], () => (rng.next() < 0.2 ? 1 : 0));
    const { G, mask } = stackFirstLayer(g[0].map((v, i) => (mw[i] ? v : 123)), g[1], mw, mb); // unsent values are never read
    const { U } = completeLowRank(G, mask, 785, 100, 1, 10, new Rng(1));
    expect(psnr(Float32Array.from(x), rank1Image(U, true)!)).toBeGreaterThan(60);
  });

  test('attackMlp tries all 10 labels at batch size 1 and finds the true one', () => {
    const x = digit(9);
    const g = gradientParams(w, x, [6]);
    const r = attackMlp(view(g, null), [6], { attacks: ['closed'], labelModes: ['recovered'], igIterations: 0, restarts: 1, dlgIterations: 0, tv: 0, completionIterations: 5, demix: { starts: 1, iterations: 1, lr: 0.05 } }, 1, new Float64Array(784));
    expect(r[0].labels).toEqual([6]);
    expect(psnr(Float32Array.from(x), Float32Array.from(r[0].x))).toBe(100);
  });
});

describe('optimisers', () => {
  test('L-BFGS decreases a known quadratic to its minimum', () => {
    // f(x) = sum_i a_i (x_i - c_i)^2, ill-conditioned (a from 1 to 1000)
    const n = 50;
    const a = Float64Array.from({ length: n }, (_, i) => 10 ** (3 * i / (n - 1)));
    const c = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const f = (x: Float64Array) => ({ value: x.reduce((s, v, i) => s + a[i] * (v - c[i]) ** 2, 0), grad: x.map((v, i) => 2 * a[i] * (v - c[i])) });
    const x0 = new Float64Array(n);
    const one = lbfgs(f, x0, { iterations: 1 });
    expect(one.loss).toBeLessThan(f(x0).value);
    const r = lbfgs(f, x0, { iterations: 200 });
    expect(r.loss).toBeLessThan(1e-10);
  });

  test('Inverting Gradients lowers the matching loss from a perturbed start and keeps pixels in [0, 1]', () => {
    const x = digit(11);
    const g = gradientParams(w, x, [2]);
    const match = matcher(w, matchTarget(view(g, null)), 'cosine');
    const rng = new Rng(4);
    const start = x.map((v) => v + 0.3 * (rng.next() - 0.5));
    const before = match(start.map((v) => Math.min(1, Math.max(0, v))), [2]).value;
    const r = invertingGradients(match, [2], [{ x: start, lr: 0.01 }], { iterations: 60, tv: 0 });
    expect(r.loss).toBeLessThan(before / 2);
    expect(r.x.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  test('restarts keep the best-matching start, whichever position it has', () => {
    const x = digit(12);
    const g = gradientParams(w, x, [3]);
    const match = matcher(w, matchTarget(view(g, null)), 'cosine');
    const rng = new Rng(6);
    const noise = Float64Array.from({ length: 784 }, () => rng.next());
    // a tiny learning rate: each start stays near where it began, so the winner is decided by the start
    for (const starts of [[noise, x], [x, noise]]) {
      const r = invertingGradients(match, [3], starts.map((s) => ({ x: s, lr: 1e-6 })), { iterations: 5, tv: 0 });
      expect(psnr(Float32Array.from(x), Float32Array.from(r.x))).toBeGreaterThan(60);
      const d = dlg(match, [3], starts, 2);
      expect(psnr(Float32Array.from(x), Float32Array.from(d.x))).toBeGreaterThan(60);
    }
  });
});

describe('statistics and pictures', () => {
  test('median, bootstrap interval and success rule', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const v = Array.from({ length: 64 }, (_, i) => i);
    const b = bootstrap(v, v, median);
    expect(b.estimate).toBe(31.5);
    expect(b.lo).toBeLessThan(31.5);
    expect(b.hi).toBeGreaterThan(31.5);
    expect(b.hi - b.lo).toBeLessThan(25);
    expect(isSuccess(19.9, 0.95)).toBe(true);
    expect(isSuccess(19.9, 0.5)).toBe(false);
  });

  test('drawText writes the glyph pixels (and only inside the image)', () => {
    const img = new Float32Array(10 * 10).fill(1);
    drawText(img, 10, '1', 0, 0, 1, 0);
    // '1' = 010 / 110 / 010 / 010 / 111
    expect(Array.from(img.subarray(0, 3))).toEqual([1, 0, 1]);
    expect(Array.from(img.subarray(40, 43))).toEqual([0, 0, 0]);
    drawText(img, 10, 'WIDE TEXT', 5, 8, 2, 0);
    expect(img.length).toBe(100);
  });
});
