/**
 * The strip sampler written the slow, plain way (docs/PRIVACY.md, "Noise sampler"): one ChaCha20
 * block per refill, every field read in order by bits(), the alias choice by a branch, and the
 * acceptance decided by the exact BigInt bound (no pre-test in doubles). It defines the draws and
 * the blocks consumed; noise_speed_equivalence.test.ts holds every backend's sampler to it, and
 * strip_table.test.ts proves the table it reads.
 */
import { block } from '../../src/backends/ts/random';
import { acceptBound, buildGaussianTable, GaussianTable } from '../../src/backends/ts/gaussian_table';

/** The keystream as bits (see the file comment for the order). */
class BitStream {
  private readonly words = new Uint32Array(16);
  private word = 16;
  private buf = 0;
  private avail = 0;
  /** Blocks generated so far. */
  used = 0;
  /** Set when the stream would pass block 2^32 - 1; every read then gives zeros. */
  exhausted = false;

  constructor(
    private readonly key: Uint32Array,
    private readonly nonce: Uint32Array,
    private readonly counter: number,
  ) {}

  private next(): number {
    if (this.word === 16) {
      const c = this.counter + this.used;
      if (c > 0xffffffff) {
        this.exhausted = true;
        return 0;
      }
      block(this.key, this.nonce, c, this.words, 0);
      this.used++;
      this.word = 0;
    }
    return this.words[this.word++];
  }

  bit(): number {
    if (this.avail === 0) {
      this.buf = this.next();
      this.avail = 32;
    }
    const b = this.buf & 1;
    this.buf >>>= 1;
    this.avail--;
    return b;
  }

  /** k uniform bits, 1 <= k <= 32 (the first bit lowest). */
  bits(k: number): number {
    if (k > 16) {
      const low = this.bits(16);
      return low + this.bits(k - 16) * 65536;
    }
    if (this.avail >= k) {
      const v = this.buf & ((1 << k) - 1);
      this.buf >>>= k;
      this.avail -= k;
      return v;
    }
    const need = k - this.avail;
    const w = this.next();
    const v = this.buf | ((w & ((1 << need) - 1)) << this.avail);
    this.buf = w >>> need;
    this.avail = 32 - need;
    return v;
  }
}

/** Uniform integer in [0, n), 1 <= n <= 2^13, by rejection on the bit length of n - 1. */
function uniformBelow(s: BitStream, n: number): number {
  if (n === 1) return 0;
  const k = 32 - Math.clz32(n - 1);
  for (;;) {
    const v = s.bits(k);
    if (v < n || s.exhausted) return v;
  }
}

/**
 * One draw: a bucket from the alias table (12 bits of column, 20 of threshold; bucket k
 * rejects), the strip's halvings (each bit must be 0), the offset in the strip, 16 bits u, a
 * sign; u below the fast bound accepts, else 46 more bits make a 62-bit u for the exact bound.
 */
function gaussianDraw(s: BitStream, tb: GaussianTable): number {
  for (;;) {
    const col = s.bits(12);
    const v = s.bits(20);
    const i = v < tb.threshold[col] ? col : tb.alias[col];
    if (i < tb.k) {
      let kept = true;
      for (let e = 0; e < tb.halvings[i] && kept; e++) kept = s.bit() === 0;
      if (kept) {
        const x = i * tb.w + uniformBelow(s, tb.w);
        const u = s.bits(16);
        const sign = s.bit();
        let accept = u < tb.fast[i];
        if (!accept) {
          const mid = s.bits(23);
          const low = s.bits(23);
          accept = (BigInt(u) << 46n) + (BigInt(mid) << 23n) + BigInt(low) < acceptBound(tb, i, x);
        }
        if (accept && !(sign === 1 && x === 0)) return sign === 1 ? -x : x;
      }
    }
    if (s.exhausted) return 0;
  }
}

/**
 * out[i] = independent draws of N_Z(0, scale²) on |z| < B, from the ChaCha20 keystream (key,
 * nonce) starting at block `counter`. Returns the blocks consumed, or -1 when the stream would
 * pass block 2^32 - 1.
 */
export function discreteGaussianReference(key: Uint32Array, nonce: Uint32Array, counter: number, scale: number, out: Int32Array): number {
  const table = buildGaussianTable(scale);
  const s = new BitStream(key, nonce, counter);
  for (let i = 0; i < out.length; i++) {
    out[i] = gaussianDraw(s, table);
    if (s.exhausted) return -1;
  }
  return s.used;
}
