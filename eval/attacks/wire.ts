/**
 * Two batch-size-1 attacks that read the wire differently from the closed form (issue 20, ask 0).
 *
 * - **positions only** (`positionsImage`): reads no value at all, only which first-layer entries
 *   were sent. Row i of gW1 = x d1ᵀ is x_i d1, so it is all zero where x_i = 0 (MNIST's
 *   background is exactly 0) and its magnitudes grow with x_i. Any selection that looks at
 *   magnitudes (top-k pruning, DGP's band, top withholding) therefore sends a number of entries
 *   per row that depends on x_i, and noise added to the sent values afterwards does not change
 *   which positions were sent. The mark of pixel i is the number of its 100 entries in the
 *   minority class of the layer (the sent ones when fewer than half of the layer is sent, as in
 *   pruning and DGP; the unsent ones when most is sent, as in top withholding, where the
 *   withheld entries are the largest), scaled by the image statistics below. Random-k chooses
 *   positions without looking at the data, so there the mark is noise (the control).
 * - **statistics scale** (`statScaled`): the closed form's rank-1 completion u ∝ x, with the scale
 *   and sign taken from what MNIST images look like instead of from the sent bias entries: the
 *   sign that makes most of the mass positive (pixels are ≥ 0), and the scale that puts the
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
 * u (any scale, any sign; length >= 784, only the first 784 read) to an image: sign so that the
 * sum is positive, scale so that the stats.rank-th largest value is stats.value, clipped to [0, 1].
 * An all-zero u gives the black image.
 */
export function statScaled(u: ArrayLike<number>, stats: ImageStats = DEFAULT_STATS): Float64Array {
  let sum = 0;
  for (let i = 0; i < PIXELS; i++) sum += u[i];
  const s = sum < 0 ? -1 : 1;
  const sorted = Array.from({ length: PIXELS }, (_, i) => s * u[i]).sort((a, b) => b - a);
  let ref = sorted[Math.min(PIXELS, stats.rank) - 1];
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
