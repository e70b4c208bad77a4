/**
 * L2 clipping over all layers together (SPEC §11), exact and deterministic.
 *
 * The norm is ‖v‖₂ = sqrt(Σ v²) over every layer, layer by layer and index by index, in float64.
 * Each square of a float32 value is exact in float64 (24-bit significand squared fits in 53 bits),
 * so the only roundings are the float64 additions (in that fixed order) and the final sqrt: every
 * platform gets the same bits. `l2Norm` is the one function both the client (clipping) and the
 * Aggregator (its norm check) use.
 *
 * Clipping scales every value by s = min(1, clipNorm / ‖v‖) and rounds each product to float32.
 * That rounding can push the clipped norm above clipNorm (each value by at most 2⁻²⁴ relative), so
 * the scale is nudged down by a factor (1 − 2⁻²²) until the norm of the rounded values, computed by
 * `l2Norm`, is ≤ clipNorm. Hence, always: l2Norm(clipped) ≤ clipNorm, exactly as the Aggregator
 * computes it. The nudge changes the scale by at most a few parts in 10⁷.
 *
 * Sub-vectors: for values x ≥ 0 float64 addition is monotone, so the norm of any subset of the
 * clipped values (zeros in place of the others, or the others left out, in the same order) is ≤
 * the norm of the whole: whatever part of a clipped vector a client sends passes the check.
 */

/** ‖layers‖₂ over all layers in order, accumulated in float64 (NaN or Infinity when a value is). */
export function l2Norm(layers: ReadonlyArray<ArrayLike<number>>): number {
  let sum = 0;
  for (const v of layers) for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  return Math.sqrt(sum);
}

/** l2Norm of fround(v · scale), without writing anything. */
function scaledNorm(layers: ReadonlyArray<Float32Array>, scale: number): number {
  let sum = 0;
  for (const v of layers)
    for (let i = 0; i < v.length; i++) {
      const x = Math.fround(v[i] * scale);
      sum += x * x;
    }
  return Math.sqrt(sum);
}

/** The nudge applied to the scale when float32 rounding left the clipped norm above clipNorm. */
export const CLIP_NUDGE = 1 - 2 ** -22;

export interface ClipResult {
  /** ‖v‖₂ before clipping (float64, as l2Norm). */
  norm: number;
  /** The factor every value was multiplied by (1 when nothing was clipped). */
  scale: number;
}

/**
 * Clips `layers` in place to L2 norm ≤ clipNorm over all of them (values must be finite; a
 * non-finite value is a RangeError naming the layer and index, nothing written). `names` label
 * the layers in that message.
 */
export function clipInPlace(layers: Float32Array[], clipNorm: number, caller: string, names?: readonly string[]): ClipResult {
  const norm = l2Norm(layers);
  if (!Number.isFinite(norm)) {
    layers.forEach((v, li) => {
      for (let i = 0; i < v.length; i++)
        if (!Number.isFinite(v[i]))
          throw new RangeError(
            `${caller}: ${names ? `layer '${names[li]}'` : `layer ${li}`} holds ${v[i]} at index ${i}; gradients must be finite`,
          );
    });
    // Every value finite but the sum of squares overflowed float64: impossible for float32 input
    // below 2^(1024-256) elements; kept as a guard.
    throw new RangeError(`${caller}: the update's L2 norm overflows`);
  }
  if (norm <= clipNorm) return { norm, scale: 1 };
  let scale = clipNorm / norm;
  // Terminates: each nudge lowers the rounded norm by ~2⁻²² relative, more than the float32
  // (2⁻²⁴) and float64 (n·2⁻⁵³) roundings can add; the guard covers denormal corner cases.
  for (let tries = 0; scaledNorm(layers, scale) > clipNorm; tries++) scale = tries < 64 ? scale * CLIP_NUDGE : scale / 2;
  for (const v of layers) for (let i = 0; i < v.length; i++) v[i] = v[i] * scale;
  return { norm, scale };
}
