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
 *   it across calls);
 * - the work is in top-level functions of one state class, not in a closure per matcher: V8 kept
 *   deoptimising a per-matcher closure (its type feedback started empty for every new target),
 *   which cost more than the arithmetic.
 * It computes the same function as lossAndInputGrad with cosineLoss / l2Loss (test/eval checks
 * value and gradient against it); one call is two dense passes over W1 (forward, backward) and
 * one over the sent entries. Measured per call in eval/README.md ("Run time").
 */
import { CLASSES, PIXELS } from '../data';
import { HIDDEN, Weights } from '../mlp';
import type { MatchTarget, Matcher } from './match_loss';

const EMPTY8 = new Uint8Array(0);

/** Everything one target needs, with a fixed shape (typed arrays, never null: V8 keeps one map). */
class State {
  // target
  t1: Float64Array; tb1: Float32Array; t2: Float32Array; tb2: Float32Array;
  m1: Uint8Array; mb1: Uint8Array; m2: Uint8Array; mb2: Uint8Array;
  masked1: boolean; hasMb1: boolean; hasM2: boolean; hasMb2: boolean;
  rowStart: Int32Array; col: Int32Array; val: Float64Array;
  /** band per layer as [lo, hi, on] */
  band: Float64Array;
  bs: number; norm2: number; cosine: boolean;
  // weights
  w1: Float32Array; b1: Float64Array; w2: Float64Array; b2: Float64Array;
  // scratch
  z = new Float64Array(HIDDEN); h = new Float64Array(HIDDEN); p = new Float64Array(CLASSES); d2 = new Float64Array(CLASSES);
  dh = new Float64Array(HIDDEN); d = new Float64Array(HIDDEN); dsq = new Float64Array(HIDDEN);
  td = new Float64Array(PIXELS); md = new Float64Array(PIXELS); tx = new Float64Array(HIDDEN); mx2 = new Float64Array(HIDDEN);
  dxBand = new Float64Array(PIXELS); d1bBand = new Float64Array(HIDDEN); A2 = new Float64Array(HIDDEN * CLASSES); a2 = new Float64Array(CLASSES);
  d1b = new Float64Array(HIDDEN); hb = new Float64Array(HIDDEN); d2b = new Float64Array(CLASSES);
  order = new Int32Array(HIDDEN); absd = new Float64Array(HIDDEN); keyd = new Float64Array(HIDDEN);
  pen = 0;

  constructor(w: Weights, tg: MatchTarget, kind: 'cosine' | 'l2', bandWeight: number) {
    const [t1, tb1, t2, tb2] = tg.t;
    const [m1, mb1, m2, mb2] = tg.mask;
    this.tb1 = tb1; this.t2 = t2; this.tb2 = tb2;
    this.m1 = m1 ?? EMPTY8; this.mb1 = mb1 ?? EMPTY8; this.m2 = m2 ?? EMPTY8; this.mb2 = mb2 ?? EMPTY8;
    this.masked1 = !!m1; this.hasMb1 = !!mb1; this.hasM2 = !!m2; this.hasMb2 = !!mb2;
    this.band = new Float64Array(12);
    tg.band.forEach((b, l) => { if (b) { this.band[3 * l] = b.lo; this.band[3 * l + 1] = b.hi; this.band[3 * l + 2] = 1; } });
    this.bs = bandWeight / tg.norm2; this.norm2 = tg.norm2; this.cosine = kind === 'cosine';
    this.w1 = w.w1; this.b1 = w.b1; this.w2 = w.w2; this.b2 = w.b2;
    // sent entries of gW1, row-compressed; the dense target when every entry was sent
    let n = 0;
    if (m1) for (let k = 0; k < m1.length; k++) n += m1[k];
    this.rowStart = new Int32Array(PIXELS + 1); this.col = new Int32Array(n); this.val = new Float64Array(n);
    this.t1 = m1 ? new Float64Array(0) : Float64Array.from(t1);
    if (m1) {
      let q = 0;
      for (let i = 0; i < PIXELS; i++) {
        this.rowStart[i] = q;
        for (let j = 0; j < HIDDEN; j++) if (m1[i * HIDDEN + j]) { this.col[q] = j; this.val[q] = t1[i * HIDDEN + j]; q++; }
      }
      this.rowStart[PIXELS] = q;
    }
  }
}

/** the band penalty of value g for band (lo, hi): adds it to S.pen, returns d penalty / d g */
function bandTerm(S: State, g: number, lo: number, hi: number): number {
  const a = g < 0 ? -g : g;
  if (a <= lo || a >= hi) return 0;
  const dLo = a - lo, dHi = hi - a, sg = g > 0 ? 1 : -1;
  if (dLo < dHi) { S.pen += S.bs * dLo * dLo; return 2 * S.bs * dLo * sg; }
  S.pen += S.bs * dHi * dHi; return -2 * S.bs * dHi * sg;
}

/** forward: z = x W1 + b1 (zero pixels skipped), h = sigmoid(z), p = softmax(h W2 + b2), d2, dh, d1 */
function forward(S: State, x: Float64Array, label: number): number {
  const { z, h, p, d2, dh, d, dsq, w1, w2, b2 } = S;
  z.set(S.b1);
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
  return sumDsq;
}

/** every gW1 entry sent: td = T d, md = sum d^2, tx = T^T x, mx2 = |x|^2; returns [dot, n2] in out */
function layer1Dense(S: State, x: Float64Array, sumDsq: number, out: Float64Array): void {
  const { t1, d, td, md, tx, mx2 } = S;
  let dot = 0, n2 = 0, xsq = 0;
  tx.fill(0);
  for (let i = 0; i < PIXELS; i++) {
    const xi = x[i], r = i * HIDDEN;
    let s = 0;
    for (let j = 0; j < HIDDEN; j++) { const tv = t1[r + j]; s += tv * d[j]; tx[j] += xi * tv; }
    td[i] = s; md[i] = sumDsq; dot += xi * s; n2 += xi * xi * sumDsq; xsq += xi * xi;
  }
  mx2.fill(xsq);
  out[0] = dot; out[1] = n2;
}

/** the same over the sent entries only (row-compressed) */
function layer1Sparse(S: State, x: Float64Array, out: Float64Array): void {
  const { rowStart, col, val, d, dsq, td, md, tx, mx2 } = S;
  let dot = 0, n2 = 0;
  tx.fill(0); mx2.fill(0);
  for (let i = 0; i < PIXELS; i++) {
    const xi = x[i], xx = xi * xi, e = rowStart[i + 1];
    let s = 0, sm = 0;
    for (let q = rowStart[i]; q < e; q++) {
      const j = col[q], tv = val[q];
      s += tv * d[j]; sm += dsq[j];
      tx[j] += xi * tv; mx2[j] += xx;
    }
    td[i] = s; md[i] = sm; dot += xi * s; n2 += xx * sm;
  }
  out[0] = dot; out[1] = n2;
}

/** the band penalty of unsent gW1 entries x_i d_j: per pixel only the units whose |d_j| can put it in the band */
function band1(S: State, x: Float64Array): void {
  const { d, absd, keyd, order, m1, dxBand, d1bBand } = S;
  const lo = S.band[0], hi = S.band[1];
  for (let j = 0; j < HIDDEN; j++) { keyd[j] = d[j] < 0 ? -d[j] : d[j]; order[j] = j; }
  // insertion sort of 100 units by |d| (no comparator closure)
  for (let a = 1; a < HIDDEN; a++) {
    const o = order[a], k = keyd[o];
    let b = a - 1;
    while (b >= 0 && keyd[order[b]] > k) { order[b + 1] = order[b]; b--; }
    order[b + 1] = o;
  }
  for (let q = 0; q < HIDDEN; q++) absd[q] = keyd[order[q]];
  for (let i = 0; i < PIXELS; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const ax = xi < 0 ? -xi : xi;
    // candidates: |d_j| in (lo/|x_i|, hi/|x_i|), widened by a relative 1e-12 for rounding; exact test in bandTerm
    const from = lo / ax * (1 - 1e-12), to = hi / ax * (1 + 1e-12);
    let a = 0, b = HIDDEN;
    while (a < b) { const m = (a + b) >> 1; if (absd[m] > from) b = m; else a = m + 1; }
    const r = i * HIDDEN;
    for (let q = a; q < HIDDEN && absd[q] < to; q++) {
      const j = order[q];
      if (m1[r + j]) continue;
      const g = bandTerm(S, xi * d[j], lo, hi);
      if (g !== 0) { dxBand[i] += g * d[j]; d1bBand[j] += g * xi; }
    }
  }
}

/** the rest: small layers, the loss, and the reverse pass into dx */
function finish(S: State, x: Float64Array, dot: number, n2: number): { value: number; dx: Float64Array } {
  const { d, dsq, h, d2, p, dh, td, md, tx, mx2, dxBand, d1bBand, A2, a2, d1b, hb, d2b, tb1, t2, tb2, mb1, m2, mb2, w1, w2, band } = S;
  for (let j = 0; j < HIDDEN; j++) {
    if (!S.hasMb1 || mb1[j]) { dot += tb1[j] * d[j]; n2 += dsq[j]; } else if (band[5]) d1bBand[j] += bandTerm(S, d[j], band[3], band[4]);
  }
  A2.fill(0); a2.fill(0);
  for (let j = 0; j < HIDDEN; j++) for (let c = 0; c < CLASSES; c++) {
    const k = j * CLASSES + c, g = h[j] * d2[c];
    if (S.hasM2 && !m2[k]) { if (band[8]) A2[k] = bandTerm(S, g, band[6], band[7]); continue; }
    dot += g * t2[k]; n2 += g * g;
  }
  for (let c = 0; c < CLASSES; c++) {
    if (!S.hasMb2 || mb2[c]) { dot += d2[c] * tb2[c]; n2 += d2[c] * d2[c]; } else if (band[11]) a2[c] = bandTerm(S, d2[c], band[9], band[10]);
  }
  // the loss's adjoint on each sent entry is alpha * t + beta * g
  let value: number, alpha: number, beta: number;
  if (S.cosine) {
    const n = Math.sqrt(n2) + 1e-30, T = Math.sqrt(S.norm2);
    const cos = dot / (n * T);
    value = 1 - cos; alpha = -1 / (n * T); beta = cos / (n * n);
  } else {
    const s = 1 / S.norm2;
    value = s * (n2 - 2 * dot + S.norm2); alpha = -2 * s; beta = 2 * s;
  }
  value += S.pen;
  const dx = new Float64Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) dx[i] = alpha * td[i] + beta * x[i] * md[i] + dxBand[i];
  for (let j = 0; j < HIDDEN; j++) {
    d1b[j] = alpha * tx[j] + beta * d[j] * mx2[j] + d1bBand[j];
    if (!S.hasMb1 || mb1[j]) d1b[j] += alpha * tb1[j] + beta * d[j];
  }
  for (let j = 0; j < HIDDEN; j++) for (let c = 0; c < CLASSES; c++) {
    const k = j * CLASSES + c;
    if (!S.hasM2 || m2[k]) A2[k] = alpha * t2[k] + beta * h[j] * d2[c];
  }
  for (let c = 0; c < CLASSES; c++) if (!S.hasMb2 || mb2[c]) a2[c] = alpha * tb2[c] + beta * d2[c];
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
}

const sums = new Float64Array(2);

function evaluate(S: State, x: Float64Array, label: number): { value: number; dx: Float64Array } {
  const sumDsq = forward(S, x, label);
  S.pen = 0;
  if (S.masked1) layer1Sparse(S, x, sums); else layer1Dense(S, x, sumDsq, sums);
  S.dxBand.fill(0); S.d1bBand.fill(0);
  if (S.masked1 && S.band[2]) band1(S, x);
  return finish(S, x, sums[0], sums[1]);
}

export function rank1Matcher(w: Weights, tg: MatchTarget, kind: 'cosine' | 'l2', bandWeight = 1): Matcher {
  const S = new State(w, tg, kind, bandWeight);
  return (x, labels) => evaluate(S, x, labels[0]);
}
