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

const MAX_CHUNK = 64; // blocks per keystream refill, at most

/**
 * The keystream as bits (see the file comment for the order), kept as a bit position: `lo` holds
 * the current word's `avail` (1..32) unread bits, `hi` the next word; words come from a buffer of
 * whole blocks (growing from 1 to MAX_CHUNK blocks per refill). Only the bits consumed count:
 * `used` is the blocks holding consumed bits, what generating one block when its first bit is
 * read would count, so the blocks generated ahead change nothing. Past block 2^32 - 1 the words
 * are zeros and the stream is exhausted once a bit there is consumed.
 */
class BitStream {
  private words = new Uint32Array(16);
  private wi = 0;
  private wn = 0;
  private generated = 0;
  private chunk = 1;
  private taken = 0;
  private lo = 0;
  private avail = 0;
  private hi = 0;
  private readonly totalBits: number;
  /** True once the buffer reaches the stream's last block: the multi-bit fast paths then defer to the bit loops. */
  nearEnd = false;

  constructor(
    private readonly key: Uint32Array,
    private readonly nonce: Uint32Array,
    private readonly counter: number,
  ) {
    this.totalBits = (0x100000000 - counter) * 512;
    this.lo = this.nextWord();
    this.avail = 32;
    this.hi = this.nextWord();
  }

  private refill(): void {
    const first = this.counter + this.generated;
    const nb = this.chunk;
    if (this.chunk < MAX_CHUNK) this.chunk *= 2;
    if (this.words.length < nb * 16) this.words = new Uint32Array(nb * 16);
    const left = first <= 0xffffffff ? 0x100000000 - first : 0;
    const real = nb < left ? nb : left;
    for (let b = 0; b < real; b++) block(this.key, this.nonce, first + b, this.words, b * 16);
    if (real < nb) this.words.fill(0, real * 16, nb * 16);
    if (real === left) this.nearEnd = true;
    this.generated += nb;
    this.wi = 0;
    this.wn = nb * 16;
  }

  private nextWord(): number {
    if (this.wi === this.wn) this.refill();
    this.taken++;
    return this.words[this.wi++];
  }

  /** The next 32 bits, unconsumed (the next bit lowest). */
  peek(): number {
    return this.avail === 32 ? this.lo : (this.lo | (this.hi << this.avail)) >>> 0;
  }

  /** Consumes k bits, 1 <= k <= 32. */
  skip(k: number): void {
    if (k < this.avail) {
      this.lo >>>= k;
      this.avail -= k;
    } else {
      const need = k - this.avail;
      this.lo = this.hi >>> need;
      this.avail = 32 - need;
      this.hi = this.nextWord();
    }
  }

  bit(): number {
    const b = this.lo & 1;
    this.skip(1);
    return b;
  }

  /** k uniform bits, 1 <= k <= 30. */
  bits(k: number): number {
    const v = this.peek() & ((1 << k) - 1);
    this.skip(k);
    return v;
  }

  /** Set when a bit past block 2^32 - 1 was consumed (those bits read as zeros). */
  get exhausted(): boolean {
    return this.nearEnd && this.pos() > this.totalBits;
  }

  /** Blocks holding consumed bits. */
  get used(): number {
    return Math.ceil(this.pos() / 512);
  }

  private pos(): number {
    return this.taken * 32 - this.avail - 32;
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

/** A bit source for the reference loops: bit() and exhausted. */
interface Bits {
  bit(): number;
  readonly exhausted: boolean;
}

/**
 * The reference: Bernoulli(a / c) for integers 0 <= a <= c <= 2^52, comparing a uniform binary
 * fraction with the binary expansion of a / c one bit at a time (2 bits expected). This loop
 * defines the bits consumed; the fast paths below give the same result from the same bits.
 */
function bernoulliFracRef(s: Bits, a: number, c: number): boolean {
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
const TWO32 = 2 ** 32;

/** The reference: Bernoulli(exp(-a / b)) for integers 0 <= a <= b <= 2^52 (CKS Algorithm 1, γ in [0, 1]). */
function bernoulliExpFracRef(s: Bits, a: number, b: number): boolean {
  let k = 1;
  for (;;) {
    // Bernoulli(γ / k) = Bernoulli(a / (k b)); split into Bernoulli(γ)·Bernoulli(1/k) once k·b passes 2^52
    const hit = k * b <= TWO52 ? bernoulliFracRef(s, a, k * b) : bernoulliFracRef(s, a, b) && bernoulliFracRef(s, 1, k);
    if (!hit || s.exhausted) break;
    k++;
  }
  return (k & 1) === 1;
}

/** Reverses the 8 bits of v (table). */
const REV8 = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  let x = 0;
  for (let i = 0; i < 8; i++) x |= ((v >> i) & 1) << (7 - i);
  REV8[v] = x;
}

/** POW2[i] = 2^i and INV_POW2[i] = 2^-i, exact, for 0 <= i <= 64 (no Math.pow in the hot path). */
const POW2 = new Float64Array(65);
const INV_POW2 = new Float64Array(65);
for (let i = 0; i <= 64; i++) {
  POW2[i] = 2 ** i;
  INV_POW2[i] = 2 ** -i;
}

/** log2(c) when the integer c (1 <= c <= 2^53) is a power of two, else -1. */
function pow2Exponent(c: number): number {
  if (c <= 0xffffffff) {
    const x = c >>> 0;
    return (x & (x - 1)) === 0 ? 31 - Math.clz32(x) : -1;
  }
  const h = c / TWO32;
  if (h !== Math.floor(h)) return -1;
  const x = h >>> 0;
  return (x & (x - 1)) === 0 ? 63 - Math.clz32(x) : -1;
}

/** Trailing zeros of the integer 1 <= a < 2^53. */
function ctz53(a: number): number {
  const l = a >>> 0;
  if (l !== 0) return 31 - Math.clz32(l & -l);
  const h = Math.floor(a / TWO32) >>> 0;
  return 63 - Math.clz32(h & -h);
}

/**
 * Bernoulli(a / c), the same decision from the same bits as bernoulliFracRef, several digits at a
 * time against a peeked window: the first digit that differs from its stream bit, or after which
 * the expansion ends, decides, and exactly the bits up to it are consumed. For c = 2^L the digits
 * are the bits of a from bit L - 1 down (ending after digit L - 1 - ctz(a)), 8 at a time against
 * the reversed window; otherwise 4 digits at a time by doubling.
 */
function bernoulliFrac(s: BitStream, a: number, c: number): boolean {
  if (a === 0) return false;
  if (a >= c) return true;
  let len = pow2Exponent(c);
  if (len >= 0) {
    for (;;) {
      if (s.nearEnd) return bernoulliFracRef(s, a, c);
      const r = s.peek();
      const top = len >= 8 ? Math.floor(a * INV_POW2[len - 8]) : a * POW2[8 - len]; // digit 0 at bit 7
      const x = (REV8[r & 0xff] ^ top) & 0xff;
      const f = x !== 0 ? Math.clz32(x) - 24 : 8;
      const zi = len - 1 - ctz53(a);
      const stop = f < zi ? f : zi;
      if (stop < 8) {
        s.skip(stop + 1);
        return f === stop && ((top >> (7 - f)) & 1) === 1;
      }
      s.skip(8);
      len -= 8;
      a -= Math.floor(a * INV_POW2[len]) * POW2[len];
    }
  }
  for (;;) {
    if (s.nearEnd) return bernoulliFracRef(s, a, c);
    const r = s.peek();
    let d = 0;
    let z = 0;
    for (let i = 0; i < 4; i++) {
      a *= 2;
      if (a >= c) {
        a -= c;
        d |= 1 << i;
      }
      if (a === 0) z |= 1 << i;
    }
    const stop = ((r ^ d) | z) & 15;
    if (stop !== 0) {
      const i = 31 - Math.clz32(stop & -stop);
      s.skip(i + 1);
      return ((~r & d) >> i & 1) === 1;
    }
    s.skip(4);
  }
}

/** Bernoulli(exp(-a / b)) for integers 0 <= a <= b <= 2^52 (CKS Algorithm 1, γ in [0, 1]). */
function bernoulliExpFrac(s: BitStream, a: number, b: number): boolean {
  let k = 1;
  for (;;) {
    const hit = k * b <= TWO52 ? bernoulliFrac(s, a, k * b) : bernoulliFrac(s, a, b) && bernoulliFrac(s, 1, k);
    if (!hit || s.exhausted) break;
    k++;
  }
  return (k & 1) === 1;
}

/**
 * The bits of a window w, lowest first, as a bit source for the reference loops: past `limit`
 * bits it reads 0 and says it is exhausted (the tables below mark such windows as too short).
 */
function windowBits(w: number, limit: number): { at: number; over: boolean; bit(): number; readonly exhausted: boolean } {
  return {
    at: 0,
    over: false,
    bit(): number {
      if (this.at >= limit) {
        this.over = true;
        return 0;
      }
      return (w >> this.at++) & 1;
    },
    get exhausted(): boolean {
      return this.over;
    },
  };
}

/**
 * Bernoulli(exp(-1)) by table: E1[w] for the next E1_BITS bits w holds the bits consumed (low 5
 * bits; 0: more than E1_BITS, run the loop) and the result (bit 7), made by running the reference
 * loop on w.
 */
const E1_BITS = 12;
const E1 = new Uint8Array(1 << E1_BITS);
for (let w = 0; w < 1 << E1_BITS; w++) {
  const src = windowBits(w, E1_BITS);
  const r = bernoulliExpFracRef(src, 1, 1);
  E1[w] = src.over ? 0 : src.at | (r ? 0x80 : 0);
}

/**
 * The geometric count of the discrete Laplace (successes of Bernoulli(exp(-1)) before the first
 * failure) by table: GEO[w] for the next GEO_BITS bits w holds the bits the whole loop consumes
 * (low 5 bits; 0: more than GEO_BITS) and the count (above), made by running the reference loop on w.
 */
const GEO_BITS = 12;
const GEO = new Uint16Array(1 << GEO_BITS);
for (let w = 0; w < 1 << GEO_BITS; w++) {
  const src = windowBits(w, GEO_BITS);
  let v = 0;
  while (bernoulliExpFracRef(src, 1, 1) && !src.over) v++;
  GEO[w] = src.over ? 0 : src.at | (v << 5);
}

/** bernoulliExpFrac(s, 1, 1). */
function bernoulliExp1(s: BitStream): boolean {
  if (!s.nearEnd) {
    const e = E1[s.peek() & ((1 << E1_BITS) - 1)];
    if (e !== 0) {
      s.skip(e & 31);
      return e >= 0x80;
    }
  }
  return bernoulliExpFrac(s, 1, 1);
}

/** Bernoulli(exp(-a / b)) for integers a >= 0, 1 <= b <= 2^52, a < 2^53 (CKS Algorithm 1). */
function bernoulliExp(s: BitStream, a: number, b: number): boolean {
  let q = 0;
  let r = a;
  if (a >= b) {
    q = Math.floor(a / b);
    // the float quotient may round across an integer: correct q so that 0 <= a - q·b < b (exact)
    if (q * b > a) q--;
    else if (a - q * b >= b) q++;
    r = a - q * b;
  }
  for (let i = 0; i < q; i++) if (!bernoulliExp1(s) || s.exhausted) return false;
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
    let g = 0;
    if (!s.nearEnd) {
      g = GEO[s.peek() & ((1 << GEO_BITS) - 1)];
      if (g !== 0 && x + (g >> 5) * t < DG_LIMIT) {
        s.skip(g & 31);
        x += (g >> 5) * t;
      } else g = 0;
    }
    if (g === 0)
      while (bernoulliExp1(s) && !s.exhausted) {
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
