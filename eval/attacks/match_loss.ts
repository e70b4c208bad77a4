/**
 * Gradient-matching losses on exactly what the wire carried (for the plain-TypeScript MLP):
 * only sent positions are compared; when the defense sends a magnitude band (AttackerView.band),
 * an unsent entry whose predicted magnitude falls strictly inside the band (lo, hi) is penalised by
 * its squared distance to the nearer edge, because such an entry would have been sent.
 * - cosine (Inverting Gradients): 1 - cos(sent part of g(x), sent values) + band penalty.
 * - l2 (DLG): ||sent part of g(x) - sent values||^2 / ||sent values||^2 + band penalty.
 */
import { GradLoss, Grads, LAYER_NAMES, Weights, lossAndInputGrad } from '../mlp';
import { rank1Matcher } from './rank1_match';
import { AttackerView } from './view';

export interface MatchTarget {
  t: Float32Array[];
  mask: Array<Uint8Array | null>;
  band: Array<{ lo: number; hi: number } | null>;
  /** squared norm of the sent values (all layers) */
  norm2: number;
}

export function matchTarget(v: AttackerView): MatchTarget {
  const t: Float32Array[] = [];
  const mask: Array<Uint8Array | null> = [];
  const band: Array<{ lo: number; hi: number } | null> = [];
  let norm2 = 0;
  for (const name of LAYER_NAMES) {
    const vals = Float32Array.from(v.values[name]);
    const m = v.sent ? v.sent[name] : null;
    let lo = Infinity, hi = 0;
    for (let i = 0; i < vals.length; i++) {
      if (m && !m[i]) { vals[i] = 0; continue; }
      norm2 += vals[i] * vals[i];
      const a = Math.abs(vals[i]);
      if (a < lo) lo = a;
      if (a > hi) hi = a;
    }
    t.push(vals); mask.push(m);
    band.push(v.band && m && hi > 0 ? { lo, hi } : null);
  }
  return { t, mask, band, norm2: norm2 > 0 ? norm2 : 1 };
}

/** Adds the band penalty of layer entries that were not sent; returns its value. */
function bandPenalty(g: Grads, adj: Grads, tg: MatchTarget, weight: number): number {
  if (weight === 0) return 0;
  let pen = 0;
  const s = weight / tg.norm2;
  for (let l = 0; l < 4; l++) {
    const b = tg.band[l], m = tg.mask[l];
    if (!b || !m) continue;
    const gl = g[l], al = adj[l];
    for (let i = 0; i < gl.length; i++) {
      if (m[i]) continue;
      const a = Math.abs(gl[i]);
      if (a <= b.lo || a >= b.hi) continue;
      const dLo = a - b.lo, dHi = b.hi - a;
      const sg = gl[i] > 0 ? 1 : -1;
      if (dLo < dHi) { pen += s * dLo * dLo; al[i] += 2 * s * dLo * sg; } else { pen += s * dHi * dHi; al[i] -= 2 * s * dHi * sg; }
    }
  }
  return pen;
}

export function cosineLoss(tg: MatchTarget, bandWeight = 1): GradLoss {
  const T = Math.sqrt(tg.norm2);
  return (g, adj) => {
    let dot = 0, n2 = 0;
    for (let l = 0; l < 4; l++) {
      const gl = g[l], tl = tg.t[l], m = tg.mask[l];
      for (let i = 0; i < gl.length; i++) {
        if (m && !m[i]) continue;
        dot += gl[i] * tl[i]; n2 += gl[i] * gl[i];
      }
    }
    const n = Math.sqrt(n2) + 1e-30;
    const cos = dot / (n * T);
    for (let l = 0; l < 4; l++) {
      const gl = g[l], tl = tg.t[l], m = tg.mask[l], al = adj[l];
      for (let i = 0; i < gl.length; i++) {
        if (m && !m[i]) continue;
        al[i] = -(tl[i] / (n * T) - (cos * gl[i]) / (n * n));
      }
    }
    return 1 - cos + bandPenalty(g, adj, tg, bandWeight);
  };
}

export function l2Loss(tg: MatchTarget, bandWeight = 1): GradLoss {
  const s = 1 / tg.norm2;
  return (g, adj) => {
    let sum = 0;
    for (let l = 0; l < 4; l++) {
      const gl = g[l], tl = tg.t[l], m = tg.mask[l], al = adj[l];
      for (let i = 0; i < gl.length; i++) {
        if (m && !m[i]) continue;
        const d = gl[i] - tl[i];
        sum += d * d; al[i] = 2 * s * d;
      }
    }
    return s * sum + bandPenalty(g, adj, tg, bandWeight);
  };
}

/** A matching loss of input images and its gradient with respect to them. */
export type Matcher = (x: Float64Array, labels: number[]) => { value: number; dx: Float64Array };

/**
 * The matcher for a target: the factored path (rank1_match.ts) at batch size 1, the general path
 * otherwise; both compute the same function (tested).
 */
export function matcher(w: Weights, tg: MatchTarget, kind: 'cosine' | 'l2', bandWeight = 1): Matcher {
  const general = kind === 'cosine' ? cosineLoss(tg, bandWeight) : l2Loss(tg, bandWeight);
  let fast: Matcher | null = null;
  return (x, labels) => {
    if (labels.length !== 1) return lossAndInputGrad(w, x, labels, general);
    fast ??= rank1Matcher(w, tg, kind, bandWeight);
    return fast(x, labels);
  };
}
