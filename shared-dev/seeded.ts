/**
 * The one seeded generator of the bench, eval, tests and examples (issue 19): mulberry32
 * (Tommy Ettinger's 32-bit generator), small and fast, deterministic from a 32-bit seed. Not for
 * anything that needs unpredictability (the package's noise uses a secure generator, SPEC §11).
 *
 * Dev-only: outside src/, so nothing here ships. Fixtures and eval results depend on these exact
 * sequences; change none of them.
 */

/** The raw stream: uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform in [0, 1): the uint32 stream / 2^32. */
export function seededUniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** Uniform in (0, 1): (uint32 + 0.5) / 2^32, never 0 (safe under a log). */
export function seededUniformOpen(seed: number): () => number {
  const next = mulberry32(seed);
  return () => (next() + 0.5) / 4294967296;
}
