/** Synthetic images shared by the eval tests. */
import { Rng } from '../../eval/rng';

/** a digit-like image: a bright ring on a black background, soft edges */
export function digit(seed: number): Float64Array {
  const r = new Rng(seed);
  const cx = 10 + r.int(8), cy = 10 + r.int(8), rad = 5 + r.int(3);
  return Float64Array.from({ length: 784 }, (_, i) => {
    const d = Math.abs(Math.hypot((i % 28) - cx, Math.floor(i / 28) - cy) - rad);
    return d < 1 ? 1 : d < 2 ? 2 - d : 0;
  });
}
