/** eval/secagg_sum.ts: the attacker's matcher of a sum of clipped per-client gradients, and the columns attack. */
import { gradients, toWeights, Grads } from '../../eval/mlp';
import { MODELS } from '../../eval/models';
import { Rng } from '../../eval/rng';
import { digit } from './images';
import { sumMatcher, columnsAttack, roundEpsilon } from '../../eval/secagg_sum';
import { completeLowRank, stackFirstLayer } from '../../eval/attacks/completion';
import { psnr } from '../../eval/metrics';

const w = toWeights(MODELS.mlp.init(new Rng(8)));

/** Σ_i s_i g(x_i), s_i = min(1, clip / ‖g(x_i)‖) */
function sumOf(xs: Float64Array[], labels: number[], clip: number | null): Grads {
  const S = [0, 0, 0, 0].map(() => null as Float64Array | null);
  xs.forEach((x, i) => {
    const g = gradients(w, x, [labels[i]]);
    const n = Math.sqrt(g.reduce((a, l) => a + l.reduce((b, v) => b + v * v, 0), 0));
    const s = clip !== null && n > clip ? clip / n : 1;
    g.forEach((l, k) => { S[k] ??= new Float64Array(l.length); for (let j = 0; j < l.length; j++) S[k]![j] += s * l[j]; });
  });
  return S as unknown as Grads;
}

describe('sumMatcher', () => {
  test.each([['cosine', null], ['l2', null], ['cosine', 1], ['l2', 1]] as const)('%s, clip %s: d loss / dx matches central differences', (kind, clip) => {
    const labels = [3, 7];
    const target = sumOf([digit(3), digit(4)], labels, clip);
    const match = sumMatcher(w, target, clip, kind);
    const x = Float64Array.from([...digit(1), ...digit(2)].map((v, i) => 0.8 * v + 0.1 * Math.sin(i)));
    const { dx } = match(x, labels);
    const h = 1e-5;
    for (const i of [300, 405, 784 + 350]) {
      const xp = x.slice(); xp[i] += h;
      const xm = x.slice(); xm[i] -= h;
      const fd = (match(xp, labels).value - match(xm, labels).value) / (2 * h);
      expect(dx[i]).toBeCloseTo(fd, 6);
    }
  });

  test('zero at the true images, also when every client is clipped', () => {
    const xs = [digit(5), digit(6)];
    const target = sumOf(xs, [1, 8], 1);
    expect(sumMatcher(w, target, 1, 'l2')(Float64Array.from([...xs[0], ...xs[1]]), [1, 8]).value).toBeLessThan(1e-20);
    expect(sumMatcher(w, target, 1, 'cosine')(Float64Array.from([...xs[0], ...xs[1]]), [1, 8]).value).toBeLessThan(1e-12);
  });
});

describe('columnsAttack', () => {
  test('N = 1: the per-neuron ratio is the image', () => {
    const x = digit(9);
    const g = gradients(w, x, [4]);
    const { G } = stackFirstLayer(g[0], g[1], null, null);
    const { U, V } = completeLowRank(G, null, 785, 100, 1, 10, new Rng(1));
    expect(psnr(x, columnsAttack(U, V, 1))).toBeGreaterThan(60);
  });

  test('returns N distinct images in [0, 1]', () => {
    const xs = [digit(11), digit(12), digit(13)];
    const g = sumOf(xs, [0, 5, 9], null);
    const { G } = stackFirstLayer(g[0], g[1], null, null);
    const { U, V } = completeLowRank(G, null, 785, 100, 3, 20, new Rng(1));
    const out = columnsAttack(U, V, 3);
    expect(out.length).toBe(3 * 784);
    expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});

test('roundEpsilon: one round of the Gaussian mechanism, larger noise gives smaller ε', () => {
  expect(roundEpsilon(1)).toBeGreaterThan(roundEpsilon(2));
  expect(roundEpsilon(1)).toBeGreaterThan(3);
  expect(roundEpsilon(1)).toBeLessThan(6);
});
