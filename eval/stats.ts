/**
 * Statistics for paired per-image results: medians, 95% percentile-bootstrap intervals that
 * resample whole units (an image at batch size 1, a batch otherwise, so images of one batch stay
 * together), success rates and paired differences.
 */
import { Rng } from './rng';

export { median } from '../shared-dev/stats';

export function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Interval { estimate: number; lo: number; hi: number }

/**
 * `stat` of the values, with a 95% percentile-bootstrap interval over units: `units[i]` names the
 * unit of `values[i]`; each replicate draws as many units as there are, with replacement.
 */
export function bootstrap(values: number[], units: number[], stat: (v: number[]) => number, seed = 1, replicates = 2000): Interval {
  const estimate = stat(values);
  const byUnit = new Map<number, number[]>();
  values.forEach((v, i) => { (byUnit.get(units[i]) ?? byUnit.set(units[i], []).get(units[i])!).push(v); });
  const groups = [...byUnit.values()];
  if (groups.length < 2) return { estimate, lo: estimate, hi: estimate };
  const rng = new Rng(seed);
  const reps: number[] = [];
  for (let r = 0; r < replicates; r++) {
    const sample: number[] = [];
    for (let k = 0; k < groups.length; k++) sample.push(...groups[rng.int(groups.length)]);
    reps.push(stat(sample));
  }
  reps.sort((a, b) => a - b);
  return { estimate, lo: quantile(reps, 0.025), hi: quantile(reps, 0.975) };
}

export const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);

/** Sample standard deviation (n - 1). */
export function sd(v: number[]): number {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

/** A reconstruction succeeds when PSNR >= 20 dB or SSIM >= 0.9. */
export const SUCCESS_PSNR = 20;
export const SUCCESS_SSIM = 0.9;
/** An attack counts only when its median PSNR against no defense reaches this. */
export const COUNTS_PSNR = 30;
/**
 * Attacks exempt from that gate: 'positions' reads no value, only which entries were sent, so an
 * undefended (dense) update, where every position is sent, is not a test of it (it is not run
 * there); it counts wherever it runs (sparse updates at batch size 1). Counting one more attack can
 * only raise the strongest median. Its own check is test/eval/wire.test.ts.
 */
export const GATE_FREE = ['positions'];

export function isSuccess(psnr: number, ssim: number): boolean {
  return psnr >= SUCCESS_PSNR || ssim >= SUCCESS_SSIM;
}
