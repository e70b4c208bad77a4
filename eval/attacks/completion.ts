/**
 * Closed-form attack on the first fully connected layer, from the sent entries alone.
 *
 * For a batch X (B x 784), gW1 = X^T D1 and gb1 = 1^T D1 (D1: B x 100, the backpropagated
 * errors). Stacking the bias gradient under the weight gradient gives a 785 x 100 matrix
 * G = [X^T; 1^T] D1 of rank B. The attacker completes G from its sent entries by alternating
 * least squares at rank B (any sent entry of either layer helps; unsent ones are unknown, not 0),
 * giving G ~ U V^T with U = [X^T; 1^T] Q for an unknown invertible Q (B x B).
 * - B = 1: Q is a scalar, fixed by the bias row: x = U[0:784] / U[784] (Phong et al. 2017's
 *   ratio, generalised to missing entries). When no bias entry was sent the scale and sign are
 *   searched by gradient matching.
 * - B > 1: X^T = U[0:784] M with M = Q^-1 (B x B) found by minimising the gradient-matching loss
 *   of X (plus a box penalty and the bias-row constraint U[784] M = 1^T) with Adam from several
 *   random starts; the images then lie in the completed subspace.
 * A pixel whose row had no sent entry has U = 0 there, so it comes out 0 (MNIST's background),
 * which also satisfies the magnitude band (it would have been a dropped bottom entry).
 */
import { PIXELS } from '../data';
import { HIDDEN } from '../mlp';
import type { Matcher } from './match_loss';
import { Rng } from '../rng';

const ROWS = PIXELS + 1;

/** Solves (A + ridge I) x = b in place for a small symmetric positive semi-definite A (Cholesky). */
function solveSpd(A: Float64Array, b: Float64Array, r: number, ridge: number): void {
  for (let i = 0; i < r; i++) A[i * r + i] += ridge;
  for (let j = 0; j < r; j++) {
    let d = A[j * r + j];
    for (let k = 0; k < j; k++) d -= A[j * r + k] * A[j * r + k];
    d = Math.sqrt(Math.max(d, 1e-300));
    A[j * r + j] = d;
    for (let i = j + 1; i < r; i++) {
      let s = A[i * r + j];
      for (let k = 0; k < j; k++) s -= A[i * r + k] * A[j * r + k];
      A[i * r + j] = s / d;
    }
  }
  for (let i = 0; i < r; i++) { let s = b[i]; for (let k = 0; k < i; k++) s -= A[i * r + k] * b[k]; b[i] = s / A[i * r + i]; }
  for (let i = r - 1; i >= 0; i--) { let s = b[i]; for (let k = i + 1; k < r; k++) s -= A[k * r + i] * b[k]; b[i] = s / A[i * r + i]; }
}

/**
 * Rank-r completion of a rows x cols matrix G (row-major) from the entries where mask is 1
 * (mask null: all). Returns U (rows x r) and V (cols x r); rows or columns without a sent entry
 * get zeros. V starts random, or at initV (wire.ts's log-magnitude fit, rank 1).
 */
export function completeLowRank(G: Float64Array, mask: Uint8Array | null, rows: number, cols: number, r: number,
  iterations: number, rng: Rng, initV?: Float64Array): { U: Float64Array; V: Float64Array } {
  let scale = 0;
  for (let k = 0; k < G.length; k++) if (!mask || mask[k]) scale = Math.max(scale, Math.abs(G[k]));
  const U = new Float64Array(rows * r);
  const V = new Float64Array(cols * r);
  if (scale === 0) return { U, V };
  if (initV) V.set(initV); else for (let k = 0; k < V.length; k++) V[k] = rng.normal();
  const A = new Float64Array(r * r);
  const b = new Float64Array(r);
  const ridge = 1e-10;
  const half = (target: Float64Array, other: Float64Array, n: number, m: number, at: (i: number, j: number) => number) => {
    for (let i = 0; i < n; i++) {
      A.fill(0); b.fill(0);
      let any = false;
      for (let j = 0; j < m; j++) {
        const k = at(i, j);
        if (mask && !mask[k]) continue;
        any = true;
        const g = G[k] / scale;
        const o = j * r;
        for (let p = 0; p < r; p++) {
          b[p] += g * other[o + p];
          for (let q = 0; q <= p; q++) A[p * r + q] += other[o + p] * other[o + q];
        }
      }
      if (!any) { target.fill(0, i * r, (i + 1) * r); continue; }
      for (let p = 0; p < r; p++) for (let q = p + 1; q < r; q++) A[p * r + q] = A[q * r + p];
      solveSpd(A, b, r, ridge);
      target.set(b, i * r);
    }
  };
  for (let it = 0; it < iterations; it++) {
    half(U, V, rows, cols, (i, j) => i * cols + j);
    half(V, U, cols, rows, (j, i) => i * cols + j);
  }
  for (let k = 0; k < U.length; k++) U[k] *= scale;
  return { U, V };
}

/** The 785 x 100 stacked first-layer gradient [gW1; gb1] and its sent mask. */
export function stackFirstLayer(gw: ArrayLike<number>, gb: ArrayLike<number>, mw: Uint8Array | null, mb: Uint8Array | null): { G: Float64Array; mask: Uint8Array | null } {
  const G = new Float64Array(ROWS * HIDDEN);
  for (let k = 0; k < PIXELS * HIDDEN; k++) G[k] = gw[k];
  for (let j = 0; j < HIDDEN; j++) G[PIXELS * HIDDEN + j] = gb[j];
  if (!mw && !mb) return { G, mask: null };
  const mask = new Uint8Array(ROWS * HIDDEN).fill(1);
  if (mw) mask.set(mw);
  if (mb) mask.set(mb, PIXELS * HIDDEN);
  return { G, mask };
}

const clip01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** B = 1: the image from a rank-1 completion (null when nothing usable was sent). */
export function rank1Image(U: Float64Array, hasBias: boolean): Float64Array | null {
  let mx = 0;
  for (let i = 0; i < PIXELS; i++) mx = Math.max(mx, Math.abs(U[i]));
  if (mx === 0) return null;
  const x = new Float64Array(PIXELS);
  if (hasBias && U[PIXELS] !== 0) for (let i = 0; i < PIXELS; i++) x[i] = clip01(U[i] / U[PIXELS]);
  else return null;
  return x;
}

/** The candidate images of a B = 1 completion when the scale is unknown: +-a * u / max|u|. */
export function scaleCandidates(U: Float64Array): Float64Array[] {
  let mx = 0;
  for (let i = 0; i < PIXELS; i++) mx = Math.max(mx, Math.abs(U[i]));
  if (mx === 0) return [new Float64Array(PIXELS)];
  const out: Float64Array[] = [];
  for (const a of [0.25, 0.5, 0.75, 1, 1.5, 2, 3]) for (const s of [1, -1]) {
    const x = new Float64Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) x[i] = clip01((s * a * U[i]) / mx);
    out.push(x);
  }
  return out;
}

/**
 * B > 1: finds M (B x B) so that X = (U[0:784] M)^T matches the sent gradient, with a box penalty
 * and the bias-row constraint; Adam from `starts` random M, `iterations` steps each; returns the
 * best X (clipped to [0, 1]) by matching loss.
 */
export function demix(match: Matcher, U: Float64Array, B: number, labels: number[],
  opts: { starts: number; iterations: number; lr: number }, rng: Rng): { x: Float64Array; loss: number } {
  const P = PIXELS;
  let best: { x: Float64Array; loss: number } = { x: new Float64Array(B * P), loss: Infinity };
  const Xof = (M: Float64Array) => {
    const X = new Float64Array(B * P);
    for (let b = 0; b < B; b++) for (let i = 0; i < P; i++) {
      let s = 0;
      for (let k = 0; k < B; k++) s += U[i * B + k] * M[k * B + b];
      X[b * P + i] = s;
    }
    return X;
  };
  // Scale of U's columns, so that a random M gives pixel values of order 1.
  let un = 0;
  for (let i = 0; i < P * B; i++) un = Math.max(un, Math.abs(U[i]));
  if (un === 0) return best;
  for (let s = 0; s < opts.starts; s++) {
    const M = new Float64Array(B * B);
    for (let k = 0; k < M.length; k++) M[k] = rng.normal() / (un * Math.sqrt(B));
    const m1 = new Float64Array(B * B), m2 = new Float64Array(B * B);
    for (let t = 1; t <= opts.iterations; t++) {
      const X = Xof(M);
      const { value, dx } = match(X.map(clip01), labels);
      // box penalty on the unclipped X, gradient passes through the clip where inside
      let pen = 0;
      for (let k = 0; k < X.length; k++) {
        const v = X[k];
        if (v < 0) { pen += v * v; dx[k] = 2 * v; } else if (v > 1) { pen += (v - 1) ** 2; dx[k] = 2 * (v - 1); }
      }
      // bias row: sum_k U[784, k] M[k, b] = 1
      const gM = new Float64Array(B * B);
      for (let b = 0; b < B; b++) {
        let r = -1;
        for (let k = 0; k < B; k++) r += U[P * B + k] * M[k * B + b];
        pen += r * r;
        for (let k = 0; k < B; k++) gM[k * B + b] += 2 * r * U[P * B + k];
      }
      if (value < best.loss) best = { x: X.map(clip01), loss: value };
      for (let k = 0; k < B; k++) for (let b = 0; b < B; b++) {
        let g = gM[k * B + b];
        for (let i = 0; i < P; i++) g += dx[b * P + i] * U[i * B + k];
        gM[k * B + b] = g;
      }
      const lr = opts.lr / un;
      for (let k = 0; k < M.length; k++) {
        m1[k] = 0.9 * m1[k] + 0.1 * gM[k];
        m2[k] = 0.999 * m2[k] + 0.001 * gM[k] * gM[k];
        M[k] -= (lr * (m1[k] / (1 - 0.9 ** t))) / (Math.sqrt(m2[k] / (1 - 0.999 ** t)) + 1e-12);
      }
    }
  }
  return best;
}
