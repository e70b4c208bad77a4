/**
 * Reconstruction metrics for 28x28 grayscale images with values in [0, 1].
 * - PSNR = 10 log10(1 / MSE), the reconstruction clipped to [0, 1] first; capped at 100 dB when
 *   the images are identical.
 * - SSIM (Wang et al. 2004): 11x11 Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03, data range 1,
 *   averaged over the window positions that fit inside the image (no padding).
 */
import { IMG, PIXELS } from './data';

export const PSNR_CAP = 100;

function clip01(v: number): number { return v < 0 ? 0 : v > 1 ? 1 : v; }

export function psnr(truth: ArrayLike<number>, rec: ArrayLike<number>): number {
  let se = 0;
  for (let i = 0; i < truth.length; i++) { const d = clip01(rec[i]) - truth[i]; se += d * d; }
  const mse = se / truth.length;
  return mse === 0 ? PSNR_CAP : Math.min(PSNR_CAP, 10 * Math.log10(1 / mse));
}

function gaussianWindow(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size * size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
    const v = Math.exp(-((i - c) ** 2 + (j - c) ** 2) / (2 * sigma * sigma));
    w[i * size + j] = v; s += v;
  }
  for (let i = 0; i < w.length; i++) w[i] /= s;
  return w;
}

const WIN = 11;
const WINDOW = gaussianWindow(WIN, 1.5);

export function ssim(truth: ArrayLike<number>, rec: ArrayLike<number>, width = IMG, height = IMG): number {
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  let total = 0;
  let count = 0;
  for (let y0 = 0; y0 + WIN <= height; y0++) for (let x0 = 0; x0 + WIN <= width; x0++) {
    let mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (let i = 0; i < WIN; i++) for (let j = 0; j < WIN; j++) {
      const w = WINDOW[i * WIN + j];
      const k = (y0 + i) * width + x0 + j;
      const a = truth[k];
      const b = clip01(rec[k]);
      mx += w * a; my += w * b; sxx += w * a * a; syy += w * b * b; sxy += w * a * b;
    }
    const vx = sxx - mx * mx, vy = syy - my * my, cxy = sxy - mx * my;
    total += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
    count++;
  }
  return total / count;
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  return out;
}

export interface BatchScore { psnr: number; ssim: number; order: number[]; psnrs: number[]; ssims: number[] }

/**
 * A batch reconstruction comes back in any order: pair each true image with a reconstruction so
 * that the mean PSNR is highest (exhaustive for up to 6 images, greedy beyond), then average.
 */
export function scoreBatch(truth: Float32Array, rec: Float32Array, b: number): BatchScore {
  const img = (a: Float32Array, i: number) => a.subarray(i * PIXELS, (i + 1) * PIXELS);
  const P = Array.from({ length: b }, (_, i) => Array.from({ length: b }, (_, j) => psnr(img(truth, i), img(rec, j))));
  let order: number[] = [];
  if (b <= 6) {
    let best = -Infinity;
    for (const p of permutations(b)) {
      const s = p.reduce((a, j, i) => a + P[i][j], 0);
      if (s > best) { best = s; order = p; }
    }
  } else {
    const used = new Set<number>();
    for (let i = 0; i < b; i++) {
      let bj = -1;
      for (let j = 0; j < b; j++) if (!used.has(j) && (bj < 0 || P[i][j] > P[i][bj])) bj = j;
      used.add(bj); order.push(bj);
    }
  }
  const psnrs = order.map((j, i) => P[i][j]);
  const ssims = order.map((j, i) => ssim(img(truth, i), img(rec, j)));
  return { psnr: psnrs.reduce((a, v) => a + v, 0) / b, ssim: ssims.reduce((a, v) => a + v, 0) / b, order, psnrs, ssims };
}

/** Fraction of the true labels (as a multiset) that the recovered labels account for. */
export function labelAccuracy(truth: ArrayLike<number>, recovered: ArrayLike<number>): number {
  const left = new Map<number, number>();
  for (let i = 0; i < recovered.length; i++) left.set(recovered[i], (left.get(recovered[i]) ?? 0) + 1);
  let ok = 0;
  for (let i = 0; i < truth.length; i++) {
    const c = left.get(truth[i]) ?? 0;
    if (c > 0) { ok++; left.set(truth[i], c - 1); }
  }
  return ok / truth.length;
}
