/**
 * The optimisation attacks on the plain-TypeScript MLP (eval/mlp.ts), each run from several
 * starting images (restarts); the restart with the lowest objective wins (the attacker cannot see
 * PSNR).
 * - Inverting Gradients (Geiping et al. 2020): cosine gradient matching + total-variation prior,
 *   Adam on the *sign* of the gradient, learning rate divided by 10 at 3/8, 5/8 and 7/8 of the
 *   iterations, pixels clamped to [0, 1] after every step (box constraint).
 * - DLG (Zhu et al. 2019): squared L2 gradient matching minimised with L-BFGS (memory 10,
 *   backtracking Armijo line search), unconstrained as in the original; the result is clipped to
 *   [0, 1] when scored.
 */
import { IMG, PIXELS } from '../data';
import type { Matcher } from './match_loss';

/** Anisotropic total variation, mean |difference| of neighbours per image; adds its gradient. */
export function totalVariation(x: Float64Array, B: number, weight: number, grad: Float64Array): number {
  if (weight === 0) return 0;
  const norm = weight / (B * IMG * (IMG - 1) * 2);
  let tv = 0;
  for (let b = 0; b < B; b++) {
    const o = b * PIXELS;
    for (let r = 0; r < IMG; r++) for (let c = 0; c < IMG; c++) {
      const k = o + r * IMG + c;
      if (c + 1 < IMG) { const d = x[k + 1] - x[k]; tv += Math.abs(d); const s = norm * Math.sign(d); grad[k + 1] += s; grad[k] -= s; }
      if (r + 1 < IMG) { const d = x[k + IMG] - x[k]; tv += Math.abs(d); const s = norm * Math.sign(d); grad[k + IMG] += s; grad[k] -= s; }
    }
  }
  return tv * norm;
}

export interface IgConfig { iterations: number; tv: number }

export interface Start { x: Float64Array; lr: number }

export interface AttackResult { x: Float64Array; loss: number }

export function invertingGradients(match: Matcher, labels: number[], starts: Start[], cfg: IgConfig): AttackResult {
  const B = labels.length;
  let best: AttackResult = { x: starts[0].x.slice(), loss: Infinity };
  for (const st of starts) {
    const x = st.x.map((v) => (v < 0 ? 0 : v > 1 ? 1 : v));
    const m1 = new Float64Array(x.length), m2 = new Float64Array(x.length);
    for (let t = 1; t <= cfg.iterations; t++) {
      const { value, dx } = match(x, labels);
      const obj = value + totalVariation(x, B, cfg.tv, dx);
      if (obj < best.loss) best = { x: x.slice(), loss: obj };
      if (!Number.isFinite(obj)) break;
      const frac = t / cfg.iterations;
      const lr = st.lr * (frac > 7 / 8 ? 1e-3 : frac > 5 / 8 ? 1e-2 : frac > 3 / 8 ? 1e-1 : 1);
      const c1 = 1 / (1 - 0.9 ** t), c2 = 1 / (1 - 0.999 ** t);
      for (let k = 0; k < x.length; k++) {
        const g = Math.sign(dx[k]);
        m1[k] = 0.9 * m1[k] + 0.1 * g;
        m2[k] = 0.999 * m2[k] + 0.001 * g * g;
        const v = x[k] - (lr * m1[k] * c1) / (Math.sqrt(m2[k] * c2) + 1e-8);
        x[k] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
    const { value } = match(x, labels);
    const obj = value + totalVariation(x, B, cfg.tv, new Float64Array(x.length));
    if (obj < best.loss) best = { x: x.slice(), loss: obj };
  }
  return best;
}

export type Objective = (x: Float64Array) => { value: number; grad: Float64Array };

const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

/**
 * L-BFGS (Nocedal & Wright, Alg. 7.4) with a backtracking Armijo line search. Returns the best
 * point seen and its value.
 */
export function lbfgs(f: Objective, x0: Float64Array, opts: { iterations: number; memory?: number }): AttackResult {
  const mem = opts.memory ?? 10;
  const n = x0.length;
  let x = x0.slice();
  let { value, grad } = f(x);
  const S: Float64Array[] = [], Y: Float64Array[] = [], R: number[] = [];
  for (let it = 0; it < opts.iterations; it++) {
    const gn = Math.sqrt(dot(grad, grad));
    if (!(gn > 1e-14) || !Number.isFinite(value)) break;
    // two-loop recursion: d = -H g
    const q = grad.slice();
    const alpha: number[] = [];
    for (let k = S.length - 1; k >= 0; k--) {
      const a = R[k] * dot(S[k], q);
      alpha[k] = a;
      for (let i = 0; i < n; i++) q[i] -= a * Y[k][i];
    }
    const gamma = S.length ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1 / gn;
    for (let i = 0; i < n; i++) q[i] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const b = R[k] * dot(Y[k], q);
      for (let i = 0; i < n; i++) q[i] += S[k][i] * (alpha[k] - b);
    }
    const d = q.map((v) => -v);
    let slope = dot(grad, d);
    if (!(slope < 0)) { // not a descent direction: restart from steepest descent
      S.length = 0; Y.length = 0; R.length = 0;
      for (let i = 0; i < n; i++) d[i] = -grad[i] / gn;
      slope = dot(grad, d);
    }
    let step = 1;
    let next: { value: number; grad: Float64Array } | null = null;
    let xn = x;
    for (let ls = 0; ls < 30; ls++) {
      xn = x.map((v, i) => v + step * d[i]);
      const r = f(xn);
      if (Number.isFinite(r.value) && r.value <= value + 1e-4 * step * slope) { next = r; break; }
      step *= 0.5;
    }
    if (!next) break;
    const s = xn.map((v, i) => v - x[i]);
    const y = next.grad.map((v, i) => v - grad[i]);
    const sy = dot(s, y);
    if (sy > 1e-20) {
      S.push(s); Y.push(y); R.push(1 / sy);
      if (S.length > mem) { S.shift(); Y.shift(); R.shift(); }
    }
    x = xn; value = next.value; grad = next.grad;
  }
  return { x, loss: value };
}

/** DLG: L-BFGS on the L2 matching loss from each start; the lowest loss wins. */
export function dlg(match: Matcher, labels: number[], starts: Float64Array[], iterations: number): AttackResult {
  const f: Objective = (x) => { const r = match(x, labels); return { value: r.value, grad: r.dx }; };
  let best: AttackResult = { x: starts[0].slice(), loss: Infinity };
  for (const s of starts) {
    const r = lbfgs(f, s, { iterations });
    if (r.loss < best.loss) best = r;
  }
  return best;
}
