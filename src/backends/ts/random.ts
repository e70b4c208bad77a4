/**
 * The TypeScript twins of the randomness kernels (native/privacy/random.cc; docs/PRIVACY.md,
 * "Randomness" and "Noise sampler"). Integer arithmetic only: every value stays an integer below
 * 2^53 (or a uint32 for ChaCha20), so the C++ and wasm builds give the same bits with no libm.
 *
 * chacha20Blocks: RFC 8439 §2.3 block function, out.length / 16 consecutive blocks for counters
 * counter, counter + 1, ...; the 32-bit block counter never wraps (a request that would pass
 * 2^32 - 1 is refused with a RangeError before anything is written).
 *
 * discreteGaussian: exact samples of the discrete Gaussian N_Z(0, scale²) (Canonne, Kamath and
 * Steinke 2020, Algorithms 1-3, with σ = t = scale), conditioned on |z| < 2^26 (see
 * DG_LIMIT), drawn from the keystream key/nonce starting at block `counter`; returns the blocks
 * consumed (the bits left in the last block are dropped), or -1 when the stream would pass block
 * 2^32 - 1 (out is then partly written; the caller draws again under a fresh nonce).
 *
 * How the keystream is read (the C++ reads it the same way): words in keystream order; a 32-bit
 * buffer gives its bits from the least significant up; `bits(k)` (k <= 30) takes the buffer's
 * remaining bits as the low part and the next word's low bits above them.
 */

/** The sampler's proposals are restricted to |z| < DG_LIMIT (keeps every product below 2^53). */
export const DG_LIMIT = 2 ** 26;
/** The largest scale (σ in grid units) the sampler accepts. */
export const DG_MAX_SCALE = 2 ** 20;

const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

/** One block into out[at, at + 16); `x` is scratch of 16 words. */
export function block(key: ArrayLike<number>, nonce: ArrayLike<number>, counter: number, out: Uint32Array, at: number): void {
  const j0 = SIGMA0, j1 = SIGMA1, j2 = SIGMA2, j3 = SIGMA3;
  const j4 = key[0] | 0, j5 = key[1] | 0, j6 = key[2] | 0, j7 = key[3] | 0;
  const j8 = key[4] | 0, j9 = key[5] | 0, j10 = key[6] | 0, j11 = key[7] | 0;
  const j12 = counter | 0, j13 = nonce[0] | 0, j14 = nonce[1] | 0, j15 = nonce[2] | 0;
  let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
  let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
  let t: number;
  for (let i = 0; i < 10; i++) {
    // column rounds
    x0 = (x0 + x4) | 0; t = x12 ^ x0; x12 = (t << 16) | (t >>> 16);
    x8 = (x8 + x12) | 0; t = x4 ^ x8; x4 = (t << 12) | (t >>> 20);
    x0 = (x0 + x4) | 0; t = x12 ^ x0; x12 = (t << 8) | (t >>> 24);
    x8 = (x8 + x12) | 0; t = x4 ^ x8; x4 = (t << 7) | (t >>> 25);
    x1 = (x1 + x5) | 0; t = x13 ^ x1; x13 = (t << 16) | (t >>> 16);
    x9 = (x9 + x13) | 0; t = x5 ^ x9; x5 = (t << 12) | (t >>> 20);
    x1 = (x1 + x5) | 0; t = x13 ^ x1; x13 = (t << 8) | (t >>> 24);
    x9 = (x9 + x13) | 0; t = x5 ^ x9; x5 = (t << 7) | (t >>> 25);
    x2 = (x2 + x6) | 0; t = x14 ^ x2; x14 = (t << 16) | (t >>> 16);
    x10 = (x10 + x14) | 0; t = x6 ^ x10; x6 = (t << 12) | (t >>> 20);
    x2 = (x2 + x6) | 0; t = x14 ^ x2; x14 = (t << 8) | (t >>> 24);
    x10 = (x10 + x14) | 0; t = x6 ^ x10; x6 = (t << 7) | (t >>> 25);
    x3 = (x3 + x7) | 0; t = x15 ^ x3; x15 = (t << 16) | (t >>> 16);
    x11 = (x11 + x15) | 0; t = x7 ^ x11; x7 = (t << 12) | (t >>> 20);
    x3 = (x3 + x7) | 0; t = x15 ^ x3; x15 = (t << 8) | (t >>> 24);
    x11 = (x11 + x15) | 0; t = x7 ^ x11; x7 = (t << 7) | (t >>> 25);
    // diagonal rounds
    x0 = (x0 + x5) | 0; t = x15 ^ x0; x15 = (t << 16) | (t >>> 16);
    x10 = (x10 + x15) | 0; t = x5 ^ x10; x5 = (t << 12) | (t >>> 20);
    x0 = (x0 + x5) | 0; t = x15 ^ x0; x15 = (t << 8) | (t >>> 24);
    x10 = (x10 + x15) | 0; t = x5 ^ x10; x5 = (t << 7) | (t >>> 25);
    x1 = (x1 + x6) | 0; t = x12 ^ x1; x12 = (t << 16) | (t >>> 16);
    x11 = (x11 + x12) | 0; t = x6 ^ x11; x6 = (t << 12) | (t >>> 20);
    x1 = (x1 + x6) | 0; t = x12 ^ x1; x12 = (t << 8) | (t >>> 24);
    x11 = (x11 + x12) | 0; t = x6 ^ x11; x6 = (t << 7) | (t >>> 25);
    x2 = (x2 + x7) | 0; t = x13 ^ x2; x13 = (t << 16) | (t >>> 16);
    x8 = (x8 + x13) | 0; t = x7 ^ x8; x7 = (t << 12) | (t >>> 20);
    x2 = (x2 + x7) | 0; t = x13 ^ x2; x13 = (t << 8) | (t >>> 24);
    x8 = (x8 + x13) | 0; t = x7 ^ x8; x7 = (t << 7) | (t >>> 25);
    x3 = (x3 + x4) | 0; t = x14 ^ x3; x14 = (t << 16) | (t >>> 16);
    x9 = (x9 + x14) | 0; t = x4 ^ x9; x4 = (t << 12) | (t >>> 20);
    x3 = (x3 + x4) | 0; t = x14 ^ x3; x14 = (t << 8) | (t >>> 24);
    x9 = (x9 + x14) | 0; t = x4 ^ x9; x4 = (t << 7) | (t >>> 25);
  }
  out[at] = x0 + j0; out[at + 1] = x1 + j1; out[at + 2] = x2 + j2; out[at + 3] = x3 + j3;
  out[at + 4] = x4 + j4; out[at + 5] = x5 + j5; out[at + 6] = x6 + j6; out[at + 7] = x7 + j7;
  out[at + 8] = x8 + j8; out[at + 9] = x9 + j9; out[at + 10] = x10 + j10; out[at + 11] = x11 + j11;
  out[at + 12] = x12 + j12; out[at + 13] = x13 + j13; out[at + 14] = x14 + j14; out[at + 15] = x15 + j15;
}

export function checkKeyNonce(name: string, key: Uint32Array, nonce: Uint32Array): void {
  if (key.length !== 8) throw new RangeError(`${name}: argument 1 is out of bounds (key must hold 8 words)`);
  if (nonce.length !== 3) throw new RangeError(`${name}: argument 2 is out of bounds (nonce must hold 3 words)`);
}

/** RFC 8439 ChaCha20 blocks counter, counter + 1, ... into out (a whole number of 16-word blocks). */
export function chacha20Blocks(key: Uint32Array, nonce: Uint32Array, counter: number, out: Uint32Array): void {
  checkKeyNonce('chacha20Blocks', key, nonce);
  if (!(counter <= 0xffffffff)) throw new RangeError('chacha20Blocks: argument 3 is out of bounds (counter must fit 32 bits)');
  if (out.length % 16 !== 0) throw new RangeError('chacha20Blocks: argument 4 is out of bounds (out must hold whole 16-word blocks)');
  if (counter + out.length / 16 > 0x100000000)
    throw new RangeError('chacha20Blocks: argument 4 is out of bounds (the 32-bit block counter would wrap)');
  for (let b = 0, at = 0; at < out.length; b++, at += 16) block(key, nonce, counter + b, out, at);
}

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
export function discreteGaussian(key: Uint32Array, nonce: Uint32Array, counter: number, scale: number, out: Int32Array): number {
  checkKeyNonce('discreteGaussian', key, nonce);
  if (!(counter <= 0xffffffff)) throw new RangeError('discreteGaussian: argument 3 is out of bounds (counter must fit 32 bits)');
  if (!(Number.isInteger(scale) && scale >= 1 && scale <= DG_MAX_SCALE))
    throw new RangeError('discreteGaussian: argument 4 is out of bounds (scale must be an integer in [1, 2^20])');
  const s = new BitStream(key, nonce, counter);
  for (let i = 0; i < out.length; i++) {
    out[i] = gaussianDraw(s, scale);
    if (s.exhausted) return -1;
  }
  return s.used;
}
