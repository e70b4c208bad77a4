/**
 * The discrete-Gaussian sampler as it was before its fast paths (commit 0929a64 of
 * src/backends/ts/random.ts, kept verbatim but for the argument checks): one ChaCha20 block per
 * refill and every Bernoulli decided one keystream bit at a time. It defines the draws and the
 * blocks consumed that committed results replay; noise_speed_equivalence.test.ts holds every
 * backend's sampler to it.
 */
import { block, DG_LIMIT } from '../../src/backends/ts/random';

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

  /** k uniform bits, 1 <= k <= 30. */
  bits(k: number): number {
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

/** Uniform integer in [0, n), 1 <= n <= 2^30, by rejection on the bit length of n - 1. */
function uniformBelow(s: BitStream, n: number): number {
  if (n === 1) return 0;
  const k = 32 - Math.clz32(n - 1);
  for (;;) {
    const v = s.bits(k);
    if (v < n || s.exhausted) return v;
  }
}

/**
 * Bernoulli(a / c) for integers 0 <= a <= c <= 2^52: compares a uniform binary fraction with the
 * binary expansion of a / c, one bit at a time (2 bits expected).
 */
function bernoulliFrac(s: BitStream, a: number, c: number): boolean {
  if (a === 0) return false;
  if (a >= c) return true;
  for (;;) {
    a *= 2;
    let digit = 0;
    if (a >= c) {
      a -= c;
      digit = 1;
    }
    const r = s.bit();
    if (r !== digit) return r < digit;
    if (a === 0 || s.exhausted) return false;
  }
}

const TWO52 = 2 ** 52;

/** Bernoulli(exp(-a / b)) for integers 0 <= a <= b <= 2^52 (CKS Algorithm 1, γ in [0, 1]). */
function bernoulliExpFrac(s: BitStream, a: number, b: number): boolean {
  let k = 1;
  for (;;) {
    // Bernoulli(γ / k) = Bernoulli(a / (k b)); split into Bernoulli(γ)·Bernoulli(1/k) once k·b passes 2^52
    const hit = k * b <= TWO52 ? bernoulliFrac(s, a, k * b) : bernoulliFrac(s, a, b) && bernoulliFrac(s, 1, k);
    if (!hit || s.exhausted) break;
    k++;
  }
  return (k & 1) === 1;
}

/** Bernoulli(exp(-a / b)) for integers a >= 0, 1 <= b <= 2^52, a < 2^53 (CKS Algorithm 1). */
function bernoulliExp(s: BitStream, a: number, b: number): boolean {
  let q = Math.floor(a / b);
  // the float quotient may round across an integer: correct q so that 0 <= a - q·b < b (exact)
  if (q * b > a) q--;
  else if (a - q * b >= b) q++;
  const r = a - q * b;
  for (let i = 0; i < q; i++) if (!bernoulliExpFrac(s, 1, 1) || s.exhausted) return false;
  return bernoulliExpFrac(s, r, b);
}

/**
 * One draw of N_Z(0, t²) conditioned on |z| < DG_LIMIT (CKS Algorithm 3 with σ = t: discrete
 * Laplace proposal of scale t (Algorithm 2), accepted with probability exp(-(|y| - t)² / (2t²))).
 */
function gaussianDraw(s: BitStream, t: number): number {
  const b = 2 * t * t;
  for (;;) {
    // discrete Laplace of scale t: U uniform in [0, t) accepted with probability exp(-U/t),
    // V geometric with success exp(-1), sign B; (B = 1, U = V = 0) rejected
    const u = uniformBelow(s, t);
    if (!bernoulliExpFrac(s, u, t)) {
      if (s.exhausted) return 0;
      continue;
    }
    let x = u;
    let far = false;
    while (bernoulliExpFrac(s, 1, 1) && !s.exhausted) {
      x += t;
      if (x >= DG_LIMIT) {
        far = true; // |y| would reach DG_LIMIT: reject the proposal (conditioning on |z| < DG_LIMIT)
        break;
      }
    }
    if (s.exhausted) return 0;
    if (far) continue;
    const sign = s.bit();
    if (sign === 1 && x === 0) continue;
    const d = x >= t ? x - t : t - x;
    if (bernoulliExp(s, d * d, b)) return sign === 1 ? -x : x;
    if (s.exhausted) return 0;
  }
}

/**
 * out[i] = independent draws of N_Z(0, scale²) conditioned on |z| < DG_LIMIT, from the ChaCha20
 * keystream (key, nonce) starting at block `counter`. Returns the blocks consumed, or -1 when the
 * stream would pass block 2^32 - 1.
 */
export function discreteGaussianReference(key: Uint32Array, nonce: Uint32Array, counter: number, scale: number, out: Int32Array): number {
  const s = new BitStream(key, nonce, counter);
  for (let i = 0; i < out.length; i++) {
    out[i] = gaussianDraw(s, scale);
    if (s.exhausted) return -1;
  }
  return s.used;
}
