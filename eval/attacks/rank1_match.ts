/**
 * The batch-size-1 matching loss (cosine or squared L2 on the sent entries, plus the band penalty)
 * and its gradient with respect to the image: the optimisation attacks' inner loop, so it is
 * written for speed. At B = 1, gW1 = x d1ᵀ, so every sum over gW1's 78,400 entries factors:
 * - sent entries are visited through a row-compressed list built once per target (10% of the
 *   layer under pruning or DGP), not through the dense mask;
 * - unsent entries only matter inside the magnitude band lo < |x_i d_j| < hi; per iteration the
 *   hidden units are sorted by |d_j| once, and each pixel visits only the units whose |d_j| lies in
 *   (lo/|x_i|, hi/|x_i|) (a binary search), instead of all 100;
 * - all scratch is allocated once per matcher; only the returned gradient is fresh (L-BFGS keeps
 *   it across calls).
 * It computes the same function as lossAndInputGrad with cosineLoss / l2Loss (test/eval checks
 * value and gradient against it); one call is two dense passes over W1 (forward, backward) and
 * one over the sent entries. Measured per call in eval/README.md ("Run time").
 */
import { CLASSES, PIXELS } from '../data';
import { HIDDEN, Weights } from '../mlp';
import type { MatchTarget, Matcher } from './match_loss';

export function rank1Matcher(w: Weights, tg: MatchTarget, kind: 'cosine' | 'l2', bandWeight = 1): Matcher {
  const [t1, tb1, t2, tb2] = tg.t;
  const [m1, mb1, m2, mb2] = tg.mask;
  const [bd1, bdb1, bd2, bdb2] = tg.band;
  const bs = bandWeight / tg.norm2;
  // sent entries of gW1, row-compressed (null: dense, every entry sent)
  let rowStart: Int32Array | null = null, col: Int32Array | null = null, val: Float64Array | null = null;
  let dense: Float64Array | null = null;
  if (m1) {
    let n = 0;
    for (let k = 0; k < m1.length; k++) n += m1[k];
    rowStart = new Int32Array(PIXELS + 1); col = new Int32Array(n); val = new Float64Array(n);
    let p = 0;
    for (let i = 0; i < PIXELS; i++) {
      rowStart[i] = p;
      for (let j = 0; j < HIDDEN; j++) if (m1[i * HIDDEN + j]) { col[p] = j; val[p] = t1[i * HIDDEN + j]; p++; }
    }
    rowStart[PIXELS] = p;
  } else dense = Float64Array.from(t1);
  const useBand1 = !!(m1 && bd1);
  const lo1 = bd1 ? bd1.lo : 0, hi1 = bd1 ? bd1.hi : 0;
  const { w1, b1, w2, b2 } = w;
  const z = new Float64Array(HIDDEN), h = new Float64Array(HIDDEN), p = new Float64Array(CLASSES), d2 = new Float64Array(CLASSES);
  const dh = new Float64Array(HIDDEN), d = new Float64Array(HIDDEN), dsq = new Float64Array(HIDDEN);
  const td = new Float64Array(PIXELS), md = new Float64Array(PIXELS), tx = new Float64Array(HIDDEN), mx2 = new Float64Array(HIDDEN);
  const dxBand = new Float64Array(PIXELS), d1bBand = new Float64Array(HIDDEN), A2 = new Float64Array(HIDDEN * CLASSES), a2 = new Float64Array(CLASSES);
  const d1b = new Float64Array(HIDDEN), hb = new Float64Array(HIDDEN), d2b = new Float64Array(CLASSES);
  const order = new Int32Array(HIDDEN), absd = new Float64Array(HIDDEN);
  const ordArr: number[] = Array.from({ length: HIDDEN }, (_, j) => j);

  /** first position in the sorted |d| with absd[pos] > v (absd ascending) */
  const upper = (v: number): number => {
    let a = 0, b = HIDDEN;
    while (a < b) { const m = (a + b) >> 1; if (absd[m] > v) b = m; else a = m + 1; }
    return a;
  };
  /** the band penalty of value g for band (lo, hi); returns d penalty / d g and adds the penalty to pen */
  let pen = 0;
  const band = (g: number, lo: number, hi: number): number => {
    const a = g < 0 ? -g : g;
    if (a <= lo || a >= hi) return 0;
    const dLo = a - lo, dHi = hi - a, sg = g > 0 ? 1 : -1;
    if (dLo < dHi) { pen += bs * dLo * dLo; return 2 * bs * dLo * sg; }
    pen += bs * dHi * dHi; return -2 * bs * dHi * sg;
  };

  return (x, labels) => {
    const label = labels[0];
    // forward: z = x W1 + b1 (zero pixels skipped), h = sigmoid(z), p = softmax(h W2 + b2)
    z.set(b1);
    for (let i = 0; i < PIXELS; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const r = i * HIDDEN;
      for (let j = 0; j < HIDDEN; j++) z[j] += xi * w1[r + j];
    }
    for (let j = 0; j < HIDDEN; j++) h[j] = 1 / (1 + Math.exp(-z[j]));
    let mx = -Infinity;
    for (let c = 0; c < CLASSES; c++) {
      let s = b2[c];
      for (let j = 0; j < HIDDEN; j++) s += h[j] * w2[j * CLASSES + c];
      p[c] = s;
      if (s > mx) mx = s;
    }
    let sum = 0;
    for (let c = 0; c < CLASSES; c++) { p[c] = Math.exp(p[c] - mx); sum += p[c]; }
    for (let c = 0; c < CLASSES; c++) { p[c] /= sum; d2[c] = p[c] - (label === c ? 1 : 0); }
    let sumDsq = 0;
    for (let j = 0; j < HIDDEN; j++) {
      let s = 0;
      for (let c = 0; c < CLASSES; c++) s += d2[c] * w2[j * CLASSES + c];
      dh[j] = s;
      d[j] = s * h[j] * (1 - h[j]);
      dsq[j] = d[j] * d[j];
      sumDsq += dsq[j];
    }
    // layer 1 sums: td_i = sum_j t_ij d_j, md_i = sum_j d_j^2 (sent j), tx_j = sum_i x_i t_ij, mx2_j = sum_i x_i^2 (sent i)
    let dot = 0, n2 = 0, xsq = 0;
    pen = 0;
    tx.fill(0);
    if (dense) {
      for (let i = 0; i < PIXELS; i++) {
        const xi = x[i], r = i * HIDDEN;
        let s = 0;
        for (let j = 0; j < HIDDEN; j++) { const tv = dense[r + j]; s += tv * d[j]; tx[j] += xi * tv; }
        td[i] = s; md[i] = sumDsq; dot += xi * s; n2 += xi * xi * sumDsq; xsq += xi * xi;
      }
      mx2.fill(xsq);
    } else {
      mx2.fill(0);
      for (let i = 0; i < PIXELS; i++) {
        const xi = x[i], xx = xi * xi, e = rowStart![i + 1];
        let s = 0, sm = 0;
        for (let q = rowStart![i]; q < e; q++) {
          const j = col![q], tv = val![q];
          s += tv * d[j]; sm += dsq[j];
          tx[j] += xi * tv; mx2[j] += xx;
        }
        td[i] = s; md[i] = sm; dot += xi * s; n2 += xx * sm;
      }
    }
    dxBand.fill(0); d1bBand.fill(0);
    if (useBand1) {
      for (let j = 0; j < HIDDEN; j++) { absd[j] = d[j] < 0 ? -d[j] : d[j]; ordArr[j] = j; }
      ordArr.sort((a, b) => absd[a] - absd[b]);
      for (let j = 0; j < HIDDEN; j++) order[j] = ordArr[j];
      for (let j = 0; j < HIDDEN; j++) absd[j] = Math.abs(d[order[j]]);
      for (let i = 0; i < PIXELS; i++) {
        const xi = x[i];
        if (xi === 0) continue;
        const ax = xi < 0 ? -xi : xi;
        // candidates: |d_j| in (lo/|x_i|, hi/|x_i|), widened by a relative 1e-12 for rounding; exact test below
        const from = upper((lo1 / ax) * (1 - 1e-12));
        const r = i * HIDDEN;
        for (let q = from; q < HIDDEN; q++) {
          if (absd[q] >= (hi1 / ax) * (1 + 1e-12)) break;
          const j = order[q];
          if (m1![r + j]) continue;
          const a = band(xi * d[j], lo1, hi1);
          if (a !== 0) { dxBand[i] += a * d[j]; d1bBand[j] += a * xi; }
        }
      }
    }
    for (let j = 0; j < HIDDEN; j++) {
      if (!mb1 || mb1[j]) { dot += tb1[j] * d[j]; n2 += dsq[j]; } else if (bdb1) d1bBand[j] += band(d[j], bdb1.lo, bdb1.hi);
    }
    A2.fill(0); a2.fill(0);
    for (let j = 0; j < HIDDEN; j++) for (let c = 0; c < CLASSES; c++) {
      const k = j * CLASSES + c, g = h[j] * d2[c];
      if (m2 && !m2[k]) { if (bd2) A2[k] = band(g, bd2.lo, bd2.hi); continue; }
      dot += g * t2[k]; n2 += g * g;
    }
    for (let c = 0; c < CLASSES; c++) {
      if (!mb2 || mb2[c]) { dot += d2[c] * tb2[c]; n2 += d2[c] * d2[c]; } else if (bdb2) a2[c] = band(d2[c], bdb2.lo, bdb2.hi);
    }
    // the loss's adjoint on each sent entry is alpha * t + beta * g
    let value: number, alpha: number, beta: number;
    if (kind === 'cosine') {
      const n = Math.sqrt(n2) + 1e-30, T = Math.sqrt(tg.norm2);
      const cos = dot / (n * T);
      value = 1 - cos; alpha = -1 / (n * T); beta = cos / (n * n);
    } else {
      const s = 1 / tg.norm2;
      value = s * (n2 - 2 * dot + tg.norm2); alpha = -2 * s; beta = 2 * s;
    }
    value += pen;
    const dx = new Float64Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) dx[i] = alpha * td[i] + beta * x[i] * md[i] + dxBand[i];
    for (let j = 0; j < HIDDEN; j++) {
      d1b[j] = alpha * tx[j] + beta * d[j] * mx2[j] + d1bBand[j];
      if (!mb1 || mb1[j]) d1b[j] += alpha * tb1[j] + beta * d[j];
    }
    for (let j = 0; j < HIDDEN; j++) for (let c = 0; c < CLASSES; c++) {
      const k = j * CLASSES + c;
      if (!m2 || m2[k]) A2[k] = alpha * t2[k] + beta * h[j] * d2[c];
    }
    for (let c = 0; c < CLASSES; c++) if (!mb2 || mb2[c]) a2[c] = alpha * tb2[c] + beta * d2[c];
    // reverse through the backward pass: d1 = dh * h(1-h), dh = W2 d2, gW2 = h d2ᵀ, gb2 = d2
    d2b.set(a2);
    for (let j = 0; j < HIDDEN; j++) {
      const hj = h[j], sj = hj * (1 - hj), dhb = d1b[j] * sj;
      let s = d1b[j] * dh[j] * (1 - 2 * hj);
      for (let c = 0; c < CLASSES; c++) {
        const k = j * CLASSES + c;
        d2b[c] += dhb * w2[k] + hj * A2[k];
        s += d2[c] * A2[k];
      }
      hb[j] = s;
    }
    // d2 = p - y; softmax backward; z2 = h W2 + b2; h = sigmoid(z1)
    let pd = 0;
    for (let c = 0; c < CLASSES; c++) pd += d2b[c] * p[c];
    for (let c = 0; c < CLASSES; c++) {
      const z2b = p[c] * (d2b[c] - pd);
      for (let j = 0; j < HIDDEN; j++) hb[j] += z2b * w2[j * CLASSES + c];
    }
    for (let j = 0; j < HIDDEN; j++) hb[j] *= h[j] * (1 - h[j]);
    // z1 = x W1 + b1
    for (let i = 0; i < PIXELS; i++) {
      const r = i * HIDDEN;
      let s = 0;
      for (let j = 0; j < HIDDEN; j++) s += hb[j] * w1[r + j];
      dx[i] += s;
    }
    return { value, dx };
  };
}
