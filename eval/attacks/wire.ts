/**
 * Two batch-size-1 attacks that read the wire differently from the closed form (issue 20, ask 0).
 *
 * - **positions only** (`positionsAttack`): reads no value at all, only which first-layer entries
 *   were sent. Row i of gW1 = x d1ᵀ is x_i d1, so it is all zero where x_i = 0 (MNIST's
 *   background is exactly 0) and its magnitudes grow with x_i. Any selection that looks at
 *   magnitudes (top-k pruning, DGP's band, top withholding) therefore sends a pattern per row
 *   that depends on x_i, and noise added to the sent values afterwards does not change which
 *   positions were sent. The simple mark (`positionsImage`) counts each pixel's entries in the
 *   minority class of the layer (sent when under half is sent; withheld when most is sent, as in
 *   top withholding, where the withheld entries are the largest). Under DGP that count rises and
 *   then falls with x_i (the brightest rows lose entries to the top set), so below half sent the
 *   attack fits the band instead (`positionsBandFit`). Random-k chooses positions without
 *   looking at the data, so there both are noise (the control).
 * - **statistics scale** (`statScaled`): the closed form's rank-1 completion u ∝ x, with the scale
 *   and sign taken from what MNIST images look like instead of from the sent bias entries: the
 *   sign on whose side the bright tail lies (pixels are ≥ 0), and the scale that puts the
 *   `rank`-th largest pixel at `value` (almost every MNIST digit has at least 20 pixels at ≥ 0.99;
 *   jobs.ts measures both on the attacker's auxiliary data, the test split, never the target).
 */
import { PIXELS } from '../data';
import { HIDDEN } from '../mlp';

/** What the attacker knows of MNIST images in general: the `rank`-th largest pixel is about `value`. */
export interface ImageStats { rank: number; value: number }

export const DEFAULT_STATS: ImageStats = { rank: 20, value: 0.99 };

/** The median over images (rows of a n x 784 array) of the `rank`-th largest pixel. */
export function measureStats(x: ArrayLike<number>, n: number, rank = DEFAULT_STATS.rank): ImageStats {
  const v: number[] = [];
  for (let k = 0; k < n; k++) {
    const row = Array.from({ length: PIXELS }, (_, i) => x[k * PIXELS + i]).sort((a, b) => b - a);
    v.push(row[rank - 1]);
  }
  v.sort((a, b) => a - b);
  return { rank, value: v[v.length >> 1] };
}

const clip01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * u (any scale, any sign; length >= 784, only the first 784 read) to an image: the sign whose
 * rank-th largest value is larger, scale so that the stats.rank-th largest value is stats.value, clipped to [0, 1].
 * An all-zero u gives the black image.
 */
export function statScaled(u: ArrayLike<number>, stats: ImageStats = DEFAULT_STATS): Float64Array {
  // the sign: pixels are >= 0 and a digit has many bright ones, while errors of the completion
  // (noise) are spread over both signs, so the side whose rank-th largest value is larger
  const r = Math.min(PIXELS, stats.rank) - 1;
  const up = Array.from({ length: PIXELS }, (_, i) => u[i]).sort((a, b) => b - a);
  const s = up[r] >= -up[PIXELS - 1 - r] ? 1 : -1;
  const sorted = s === 1 ? up : up.map((v) => -v).reverse();
  let ref = sorted[r];
  if (!(ref > 0)) ref = sorted[0];
  const x = new Float64Array(PIXELS);
  if (!(ref > 0)) return x;
  for (let i = 0; i < PIXELS; i++) x[i] = clip01((s * u[i] * stats.value) / ref);
  return x;
}

/**
 * Positions only: the per-pixel count of the first layer's (784 x 100, row-major) entries in the
 * minority class of the sent mask, scaled by the image statistics. `mask` null (a dense update)
 * carries no position information: null is returned.
 */
export function positionsImage(mask: Uint8Array | null, stats: ImageStats = DEFAULT_STATS): Float64Array | null {
  if (!mask) return null;
  let total = 0;
  for (let k = 0; k < PIXELS * HIDDEN; k++) total += mask[k];
  const want = total * 2 <= PIXELS * HIDDEN ? 1 : 0;
  const count = new Float64Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) {
    let c = 0;
    for (let j = 0; j < HIDDEN; j++) if (mask[i * HIDDEN + j] === want) c++;
    count[i] = c;
  }
  return statScaled(count, stats);
}

/**
 * A start for the rank-1 completion of G = u vᵀ (rows x cols, row-major) from its sent entries:
 * log|G_ij| = log|u_i| + log|v_j| is linear, so the magnitudes are fitted by weighted least
 * squares on the bipartite graph of sent entries (a graph-Laplacian system, conjugate gradients),
 * weights |G_ij| (small entries are the ones noise corrupts most in log); v_j's sign is the
 * |G|-weighted majority sign of its column (u >= 0 for an image; the bias row is +1 too).
 * Exact on a connected graph without noise, where alternating least squares from a random start
 * can stall for hundreds of iterations when the sent band splits the pixels into clusters joined
 * by a few columns (DGP: the brightest pixels' rows share one pattern). Returns v (length cols).
 */
export function logMagnitudeStart(G: Float64Array, mask: Uint8Array | null, rows: number, cols: number, iterations = 400): Float64Array {
  const n = rows + cols;
  const ei: number[] = [], ej: number[] = [], el: number[] = [], ew: number[] = [];
  let mx = 0;
  for (let k = 0; k < G.length; k++) if ((!mask || mask[k]) && G[k] !== 0) mx = Math.max(mx, Math.abs(G[k]));
  const sgn = new Float64Array(cols);
  if (mx === 0) return new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    const k = i * cols + j;
    if ((mask && !mask[k]) || G[k] === 0) continue;
    const a = Math.abs(G[k]) / mx;
    ei.push(i); ej.push(rows + j); el.push(Math.log(a)); ew.push(a);
    sgn[j] += G[k];
  }
  // a_i - c_j = l_ij with c_j = -log|v_j|: the weighted graph Laplacian L z = B^T W l
  const deg = new Float64Array(n);
  const rhs = new Float64Array(n);
  for (let e = 0; e < ei.length; e++) {
    deg[ei[e]] += ew[e]; deg[ej[e]] += ew[e];
    rhs[ei[e]] += ew[e] * el[e]; rhs[ej[e]] -= ew[e] * el[e];
  }
  const mul = (z: Float64Array, out: Float64Array) => {
    for (let q = 0; q < n; q++) out[q] = (deg[q] + 1e-9) * z[q];
    for (let e = 0; e < ei.length; e++) { out[ei[e]] -= ew[e] * z[ej[e]]; out[ej[e]] -= ew[e] * z[ei[e]]; }
  };
  const z = new Float64Array(n), res = rhs.slice(), p = rhs.slice(), Ap = new Float64Array(n);
  let rr = res.reduce((s, v) => s + v * v, 0);
  const stop = rr * 1e-24;
  for (let it = 0; it < iterations && rr > stop; it++) {
    mul(p, Ap);
    let pAp = 0;
    for (let q = 0; q < n; q++) pAp += p[q] * Ap[q];
    if (!(pAp > 0)) break;
    const alpha = rr / pAp;
    let rr2 = 0;
    for (let q = 0; q < n; q++) { z[q] += alpha * p[q]; res[q] -= alpha * Ap[q]; rr2 += res[q] * res[q]; }
    const beta = rr2 / rr;
    rr = rr2;
    for (let q = 0; q < n; q++) p[q] = res[q] + beta * p[q];
  }
  const v = new Float64Array(cols);
  for (let j = 0; j < cols; j++) v[j] = deg[rows + j] > 0 ? (sgn[j] < 0 ? -1 : 1) * Math.exp(-z[rows + j]) : 0;
  return v;
}

/**
 * Positions only, fitted to the selection rule: entry (i, j) of gW1 = x d1ᵀ is sent when its
 * magnitude x_i |d_j| lies in a band [lo, hi) (pruning: hi = ∞; DGP: both; top withholding:
 * lo = 0), i.e. when log x_i + log |d_j| lies in a window of width log(hi / lo). The attacker
 * predicts log |d_j| from the model at its current guess of the image (d1 = gb1 of the guess, for
 * each of the 10 labels), then places each pixel's window where it best explains which of that
 * row's 100 entries were sent (sent inside, unsent outside), for each window width on a grid; the
 * label and width that explain the most entries win, and log x_i is read off the window's place.
 * Two rounds (the second predicts d1 at the first round's image). Rows with nothing sent are
 * background. Reads no sent value.
 */
export function positionsBandFit(mask: Uint8Array | null, grads: (x: Float64Array, label: number) => ArrayLike<number>,
  stats: ImageStats = DEFAULT_STATS, start?: Float64Array): Float64Array | null {
  if (!mask) return null;
  let x = start ?? positionsImage(mask, stats);
  if (!x) return null;
  const rowsSent = new Int32Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) for (let j = 0; j < HIDDEN; j++) rowsSent[i] += mask[i * HIDDEN + j];
  const widths = [0.5, 1, 1.5, 2, 3, 4, 6, 9, 1e9];
  const order = new Int32Array(HIDDEN);
  const beta = new Float64Array(HIDDEN);
  const pre = new Int32Array(HIDDEN + 1);
  const alpha = new Float64Array(PIXELS);
  for (let round = 0; round < 2; round++) {
    let best = { score: -Infinity, alpha: new Float64Array(PIXELS) };
    for (let label = 0; label < 10; label++) {
      const d = grads(x, label);
      const idx = Array.from({ length: HIDDEN }, (_, j) => j).sort((a, b) => Math.abs(d[a]) - Math.abs(d[b]));
      for (let k = 0; k < HIDDEN; k++) { order[k] = idx[k]; beta[k] = Math.log(Math.abs(d[idx[k]]) + 1e-300); }
      for (const w of widths) {
        let score = 0;
        for (let i = 0; i < PIXELS; i++) {
          if (!rowsSent[i]) { alpha[i] = -Infinity; continue; }
          pre[0] = 0;
          for (let k = 0; k < HIDDEN; k++) pre[k + 1] = pre[k] + mask[i * HIDDEN + order[k]];
          let bs = -Infinity, ba = 0, be = 0;
          let e = 0;
          for (let a = 0; a < HIDDEN; a++) {
            if (e < a) e = a;
            while (e < HIDDEN && beta[e] < beta[a] + w) e++;
            const sc = 2 * (pre[e] - pre[a]) - (e - a);
            if (sc > bs) { bs = sc; ba = a; be = e; }
          }
          score += bs;
          // the window's start s (in log |d|) lies in (beta[ba-1], beta[ba]] and its end s + w in
          // (beta[be-1], beta[be]]; log x_i = -s, up to the one scale fixed later
          const lo = Math.max(ba > 0 ? beta[ba - 1] : -Infinity, be > 0 ? beta[be - 1] - w : -Infinity);
          const hi = Math.min(beta[ba], be < HIDDEN ? beta[be] - w : Infinity);
          const s = Number.isFinite(lo) && Number.isFinite(hi) && lo < hi ? (lo + hi) / 2 : Number.isFinite(hi) ? hi : lo;
          alpha[i] = -s;
        }
        if (score > best.score) best = { score, alpha: alpha.slice() };
      }
    }
    let mx = -Infinity;
    for (let i = 0; i < PIXELS; i++) if (Number.isFinite(best.alpha[i])) mx = Math.max(mx, best.alpha[i]);
    const u = new Float64Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) u[i] = Number.isFinite(best.alpha[i]) ? Math.exp(best.alpha[i] - mx) : 0;
    x = statScaled(u, stats);
  }
  return x;
}

/**
 * The positions-only attack as run: when most of the layer is sent (top withholding) the withheld
 * count (positionsImage), otherwise the band fit started from the sent count. `grads(x, label)`:
 * the bias gradient gb1 = d1 the model gives for image x and label (the attacker knows the weights).
 */
export function positionsAttack(mask: Uint8Array | null, grads: (x: Float64Array, label: number) => ArrayLike<number>,
  stats: ImageStats = DEFAULT_STATS): Float64Array | null {
  if (!mask) return null;
  let total = 0;
  for (let k = 0; k < PIXELS * HIDDEN; k++) total += mask[k];
  if (total * 2 > PIXELS * HIDDEN) return positionsImage(mask, stats);
  return positionsBandFit(mask, grads, stats);
}
