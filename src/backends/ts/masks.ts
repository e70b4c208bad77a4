/**
 * The TypeScript twins of the secure-aggregation kernels (native/privacy/masks.cc; SPEC §12;
 * docs/SECAGG.md, "Masks and quantization"). Integer arithmetic mod 2^32 and one float64
 * multiply per value, so the C++ and wasm builds give the same bits.
 *
 * maskAdd: acc[i] = acc[i] ± w_i (mod 2^32), w_i the i-th word of the ChaCha20 keystream of
 * key/nonce from block `counter` (words in keystream order; ceil(acc.length / 16) blocks, the
 * words left in the last block are dropped). The counter never wraps: a request whose last block
 * would pass 2^32 - 1 is a RangeError and writes nothing.
 *
 * quantizeStochastic: out[i] = floor(y) + [u_i < (y - floor(y))·2^53] with y = clamp(values[i],
 * -bound, bound) · inverseStep (one correctly rounded float64 product), u_i the 53-bit integer
 * (w_{2i} >>> 11)·2^32 + w_{2i+1} from keystream words 2i and 2i + 1 (ceil(values.length / 8)
 * blocks). Unbiased: P(up) = ceil(frac(y)·2^53) / 2^53, which is frac(y) exactly when |y| >= 1
 * (frac(y) is then a multiple of 2^-52) and within 2^-53 of it otherwise. Returns -1, or the
 * first i whose value is NaN/±Inf (then out is untouched). The caller keeps |bound·inverseStep|
 * + 1 < 2^31 so every result fits an int32.
 *
 * modularAdd: acc[i] = acc[i] ± values[i] (mod 2^32), equal lengths.
 */
import { block, checkKeyNonce } from './random';

const BLOCK_WORDS = 16;
const TWO32 = 0x100000000;
const TWO53 = 2 ** 53;

function checkCounter(name: string, counter: number, blocks: number, arg: number): void {
  if (!(counter <= 0xffffffff)) throw new RangeError(`${name}: argument 3 is out of bounds (counter must fit 32 bits)`);
  if (counter + blocks > TWO32) throw new RangeError(`${name}: argument ${arg} is out of bounds (the 32-bit block counter would wrap)`);
}

/** acc ± the keystream of key/nonce from block counter, word by word, mod 2^32. */
export function maskAdd(key: Uint32Array, nonce: Uint32Array, counter: number, subtract: boolean, acc: Uint32Array): void {
  checkKeyNonce('maskAdd', key, nonce);
  const n = acc.length;
  checkCounter('maskAdd', counter, Math.ceil(n / BLOCK_WORDS), 5);
  const words = new Uint32Array(BLOCK_WORDS);
  for (let at = 0, b = counter; at < n; at += BLOCK_WORDS, b++) {
    block(key, nonce, b, words, 0);
    const m = Math.min(BLOCK_WORDS, n - at);
    if (subtract) for (let j = 0; j < m; j++) acc[at + j] = acc[at + j] - words[j];
    else for (let j = 0; j < m; j++) acc[at + j] = acc[at + j] + words[j];
  }
}

/** Stochastic rounding of clamp(values, ±bound)·inverseStep to integers; -1 or the first non-finite index. */
export function quantizeStochastic(
  key: Uint32Array, nonce: Uint32Array, counter: number, values: Float32Array, bound: number, inverseStep: number, out: Int32Array,
): number {
  checkKeyNonce('quantizeStochastic', key, nonce);
  const n = values.length;
  checkCounter('quantizeStochastic', counter, Math.ceil(n / 8), 4);
  if (!(bound >= 0)) throw new RangeError('quantizeStochastic: argument 5 is out of bounds (bound must be >= 0)');
  if (!(inverseStep > 0 && bound * inverseStep + 1 < 2 ** 31))
    throw new RangeError('quantizeStochastic: argument 6 is out of bounds (bound · inverseStep + 1 must be below 2^31)');
  if (out.length !== n) throw new RangeError('quantizeStochastic: argument 7 is out of bounds (out must hold values.length integers)');
  for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) return i;
  const words = new Uint32Array(BLOCK_WORDS);
  for (let at = 0, b = counter; at < n; at += 8, b++) {
    block(key, nonce, b, words, 0);
    const m = Math.min(8, n - at);
    for (let j = 0; j < m; j++) {
      const x = values[at + j];
      const y = (x < -bound ? -bound : x > bound ? bound : x) * inverseStep;
      const f = Math.floor(y);
      const u = (words[2 * j] >>> 11) * TWO32 + words[2 * j + 1];
      out[at + j] = u < (y - f) * TWO53 ? f + 1 : f;
    }
  }
  return -1;
}

/** acc ± values, word by word, mod 2^32. */
export function modularAdd(acc: Uint32Array, values: Uint32Array, subtract: boolean): void {
  const n = acc.length;
  if (values.length !== n) throw new RangeError('modularAdd: argument 2 is out of bounds (values must be as long as acc)');
  if (subtract) for (let i = 0; i < n; i++) acc[i] = acc[i] - values[i];
  else for (let i = 0; i < n; i++) acc[i] = acc[i] + values[i];
}
