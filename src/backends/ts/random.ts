/**
 * The TypeScript twins of the randomness kernels (native/privacy/random.cc; docs/PRIVACY.md,
 * "Randomness" and "Noise sampler"). Integer arithmetic decides every draw (numbers below 2^53,
 * uint32 for ChaCha20, BigInt for the sampler's certified bounds; a pre-test in doubles only ever
 * agrees with it), so the C++ and wasm builds give the same bits with no libm.
 *
 * chacha20Blocks: RFC 8439 §2.3 block function, out.length / 16 consecutive blocks for counters
 * counter, counter + 1, ...; the 32-bit block counter never wraps (a request that would pass
 * 2^32 - 1 is refused with a RangeError before anything is written).
 *
 * discreteGaussian: draws of the discrete Gaussian N_Z(0, scale²) on |z| < B (B >= 20·scale),
 * every point's probability within a factor 1 ± 2^-50 of the exact one, by the strip sampler
 * (gaussian_table.ts), from the keystream key/nonce starting at block `counter`; returns the blocks
 * consumed (the bits left in the last block are dropped), or -1 when the stream would pass block
 * 2^32 - 1 (out is then partly written; the caller draws again under a fresh nonce).
 *
 * How the keystream is read (the C++ reads it the same way): words in keystream order; a 32-bit
 * buffer gives its bits from the least significant up; `bits(k)` (k <= 32) takes the buffer's
 * remaining bits as the low part and the next word's low bits above them.
 */

import { acceptBound, buildGaussianTable, COLUMN_BITS, GaussianTable } from './gaussian_table';

const COLUMNS = 1 << COLUMN_BITS;
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

const TWO46 = 2 ** 46;
const TWO23 = 2 ** 23;
const TWO62 = 2 ** 62;

/** The last tables built, by scale (building one takes tens of milliseconds of BigInt work). */
const tables = new Map<number, GaussianTable>();
function tableFor(t: number): GaussianTable {
  let table = tables.get(t);
  if (table === undefined) {
    if (tables.size >= 4) tables.delete(tables.keys().next().value as number);
    table = buildGaussianTable(t);
    tables.set(t, table);
  }
  return table;
}

/**
 * Whether the 62-bit u = hi·2^46 + mid·2^23 + low is below acceptBound(table, i, x): the C++'s
 * accepts() step for step (a pre-test in doubles with a 2^-40 margin, then the exact bound in
 * BigInt for the near-ties; the answer is the exact bound's either way).
 */
function acceptSlow(table: GaussianTable, i: number, x: number, hi: number, mid: number, low: number): boolean {
  const b = i * table.w;
  const y = (x * x - b * b) / table.twoT2;
  let e = 1;
  for (let k = 14; k >= 1; k--) e = 1 - (e * y) / k;
  const a = e * table.rhoApprox[i] * TWO62;
  const u = hi * TWO46 + mid * TWO23 + low;
  if (u < a * (1 - 2 ** -40)) return true;
  if (u > a * (1 + 2 ** -40)) return false;
  return ((BigInt(hi) << 46n) | (BigInt(mid) << 23n) | BigInt(low)) < acceptBound(table, i, x);
}

/**
 * One draw of N_Z(0, t²) by the strip sampler (docs/PRIVACY.md, "Noise sampler"). Each proposal
 * reads: 32 bits, the low 12 a column of the alias table and the high 20 its threshold (bucket k
 * rejects); the strip's halvings, a bit at a time (all 0 keeps it); then wbits + 17 bits: the low
 * wbits the offset in the strip (rejected and read again, wbits bits later, when >= w), 16 bits u
 * and a sign bit. u < the strip's fast bound accepts; otherwise 23 + 23 more bits complete a
 * 62-bit u against the acceptance bound. -0 is rejected. The C++ reads the same bits in order.
 */
function gaussianDraw(s: BitStream, tb: GaussianTable): number {
  const wmask = (1 << tb.wbits) - 1;
  const span = tb.wbits + 17; // <= 30: w <= 2^13
  const spanMask = (1 << span) - 1;
  for (;;) {
    const r = s.peek();
    s.skip(32);
    const col = r & (COLUMNS - 1);
    const i = r >>> COLUMN_BITS < tb.threshold[col] ? col : tb.alias[col];
    if (i < tb.k) {
      let kept = true;
      for (let e = tb.halvings[i]; e > 0 && kept; e--) kept = s.bit() === 0;
      if (kept) {
        let y = s.peek() & spanMask;
        while ((y & wmask) >= tb.w && !s.exhausted) {
          s.skip(tb.wbits);
          y = s.peek() & spanMask;
        }
        s.skip(span);
        const offset = y & wmask;
        const u = (y >>> tb.wbits) & 0xffff;
        const sign = y >>> (tb.wbits + 16);
        const x = i * tb.w + offset;
        let accept = u < tb.fast[i];
        if (!accept) {
          const mid = s.bits(23);
          const low = s.bits(23);
          accept = acceptSlow(tb, i, x, u, mid, low);
        }
        if (accept && (sign === 0 || x !== 0)) return sign === 1 ? -x : x;
      }
    }
    if (s.exhausted) return 0;
  }
}

/**
 * out[i] = independent draws of N_Z(0, scale²) on |z| < B (the file comment), from the ChaCha20
 * keystream (key, nonce) starting at block `counter`. Returns the blocks consumed, or -1 when the
 * stream would pass block 2^32 - 1.
 */
export function discreteGaussian(key: Uint32Array, nonce: Uint32Array, counter: number, scale: number, out: Int32Array): number {
  checkKeyNonce('discreteGaussian', key, nonce);
  if (!(counter <= 0xffffffff)) throw new RangeError('discreteGaussian: argument 3 is out of bounds (counter must fit 32 bits)');
  if (!(Number.isInteger(scale) && scale >= 1 && scale <= DG_MAX_SCALE))
    throw new RangeError('discreteGaussian: argument 4 is out of bounds (scale must be an integer in [1, 2^20])');
  const table = tableFor(scale);
  const s = new BitStream(key, nonce, counter);
  for (let i = 0; i < out.length; i++) {
    out[i] = gaussianDraw(s, table);
    if (s.exhausted) return -1;
  }
  return s.used;
}
