/**
 * The package's one source of randomness (SPEC §11 "Randomness"; docs/PRIVACY.md, "Randomness").
 *
 * `SecureRandom` is a ChaCha20 keystream (RFC 8439) under a 256-bit key taken from the platform's
 * cryptographically secure source (Node: crypto.randomFillSync; browsers: Web Crypto
 * getRandomValues), read through the kernels chacha20Blocks and discreteGaussian, which every
 * backend computes bit for bit alike. It never calls Math.random. The only way to fix the key is
 * the option `unsafeSeed` (tests, `npm run eval`): anyone who knows the seed knows every draw, so
 * noise drawn from it protects nothing.
 *
 * Stream layout: the 96-bit nonce is [stream, 0, 0] and the 32-bit block counter advances with
 * every call (a call consumes whole blocks; bits left in its last block are dropped). When a call
 * would pass block 2^32 - 1 (256 GiB of keystream), the stream moves on to the next nonce and
 * the call is drawn again there from block 0; a counter never wraps, so no keystream block is
 * ever used twice.
 */
import { describeValue } from '../errors';
import { kernelsFor } from '../backend';
import { platform } from '../platform';
import type { Kernels } from '../surface/kernels';

/** Options of SecureRandom.create. */
export interface SecureRandomOptions {
  /**
   * UNSAFE: a fixed seed (a safe integer >= 0, or 32 bytes used as the key as they are), so that
   * every draw can be replayed. For tests and evaluation only: noise drawn from a known seed can
   * be subtracted by anyone who knows it. Absent: the key comes from the platform's secure source.
   */
  unsafeSeed?: number | Uint8Array;
}

/** The randomness kernels a SecureRandom runs on: the current backend's (every backend gives the same bits). */
function randomKernels(elements: number): Pick<Kernels, 'chacha20Blocks' | 'discreteGaussian' | 'quantizeStochastic' | 'firstNonFinite'> {
  return kernelsFor(elements);
}

const BLOCK_LIMIT = 0x100000000;

export class SecureRandom {
  /** True when the key came from `unsafeSeed` (the draws are replayable). */
  readonly unsafe: boolean;
  private readonly key: Uint32Array;
  private readonly nonce = new Uint32Array(3);
  private counter = 0;

  private constructor(key: Uint32Array, unsafe: boolean) {
    this.key = key;
    this.unsafe = unsafe;
  }

  /**
   * A generator keyed from the platform's secure source, or (UNSAFE, tests and evaluation only)
   * from `options.unsafeSeed`.
   */
  static create(options: SecureRandomOptions = {}): SecureRandom {
    if (options === null || typeof options !== 'object')
      throw new TypeError(`SecureRandom.create: options must be an object, got ${describeValue(options)}`);
    const seed = options.unsafeSeed;
    const key = new Uint32Array(8);
    if (seed === undefined) {
      const bytes = new Uint8Array(32);
      platform.secureRandom(bytes);
      for (let i = 0; i < 8; i++) key[i] = bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24);
      bytes.fill(0);
      return new SecureRandom(key, false);
    }
    if (typeof seed === 'number') {
      if (!(Number.isSafeInteger(seed) && seed >= 0))
        throw new RangeError(`SecureRandom.create: unsafeSeed must be a safe integer >= 0 or 32 bytes, got ${describeValue(seed)}`);
      // key = the seed as a little-endian 64-bit integer, then zeros
      key[0] = seed % 0x100000000;
      key[1] = Math.floor(seed / 0x100000000);
      return new SecureRandom(key, true);
    }
    if (seed instanceof Uint8Array && seed.length === 32) {
      for (let i = 0; i < 8; i++) key[i] = seed[4 * i] | (seed[4 * i + 1] << 8) | (seed[4 * i + 2] << 16) | (seed[4 * i + 3] << 24);
      return new SecureRandom(key, true);
    }
    throw new TypeError(`SecureRandom.create: unsafeSeed must be a safe integer >= 0 or a Uint8Array of 32 bytes, got ${describeValue(seed)}`);
  }

  /** Where the stream stands: [stream (nonce word 0), next block]. */
  position(): { stream: number; block: number } {
    return { stream: this.nonce[0], block: this.counter };
  }

  private nextStream(): void {
    if (this.nonce[0] === 0xffffffff) {
      if (this.nonce[1] === 0xffffffff) throw new RangeError('SecureRandom: keystream exhausted (2^96 blocks); create a new generator');
      this.nonce[1]++;
    }
    this.nonce[0]++;
    this.counter = 0;
  }

  /** Fills `out` with uniform 32-bit words (ceil(out.length / 16) keystream blocks). */
  fillUint32(out: Uint32Array): void {
    if (!(out instanceof Uint32Array)) throw new TypeError(`SecureRandom.fillUint32: out must be a Uint32Array, got ${describeValue(out)}`);
    if (out.length === 0) return;
    const blocks = Math.ceil(out.length / 16);
    if (blocks > 0x1000000) {
      // at most 2^24 blocks (1 GiB) per kernel call
      for (let at = 0; at < out.length; at += 0x10000000) this.fillUint32(out.subarray(at, Math.min(out.length, at + 0x10000000)));
      return;
    }
    if (this.counter + blocks > BLOCK_LIMIT) this.nextStream();
    const target = out.length === blocks * 16 ? out : new Uint32Array(blocks * 16);
    randomKernels(target.length).chacha20Blocks(this.key, this.nonce, this.counter, target);
    this.counter += blocks;
    if (target !== out) out.set(target.subarray(0, out.length));
  }

  /**
   * Fills `out` with independent draws of the discrete Gaussian N_Z(0, scale²) on |z| < 20·scale,
   * each point's probability within a factor 1 ± 2^-50 of the exact one (docs/PRIVACY.md, "Noise
   * sampler"); `scale` is an integer in [1, 2^20].
   */
  discreteGaussian(scale: number, out: Int32Array): void {
    if (!(Number.isInteger(scale) && scale >= 1 && scale <= 2 ** 20))
      throw new RangeError(`SecureRandom.discreteGaussian: scale must be an integer in [1, 2^20], got ${describeValue(scale)}`);
    if (!(out instanceof Int32Array)) throw new TypeError(`SecureRandom.discreteGaussian: out must be an Int32Array, got ${describeValue(out)}`);
    if (out.length === 0) return;
    const k = randomKernels(out.length);
    for (;;) {
      const used = k.discreteGaussian(this.key, this.nonce, this.counter, scale, out);
      if (used >= 0) {
        this.counter += used;
        return;
      }
      this.nextStream(); // the stream would pass block 2^32 - 1: draw the whole call again on the next nonce
    }
  }

  /**
   * Stochastic rounding onto an integer grid (SPEC §12; docs/PRIVACY.md, "Distributed noise"):
   * out[i] = y rounded down or up at random with E[out[i]] = y, y = clamp(values[i], -bound,
   * bound)·inverseStep, by the quantizeStochastic kernel keyed by this generator (ceil(n / 8)
   * keystream blocks: two 32-bit words per value). Requires bound·inverseStep + 1 < 2^31 (every
   * result fits an int32). A NaN/±Inf value is a RangeError naming its index; nothing is drawn
   * and `out` is untouched then.
   */
  quantizeStochastic(values: Float32Array, bound: number, inverseStep: number, out: Int32Array): void {
    const caller = 'SecureRandom.quantizeStochastic';
    if (!(values instanceof Float32Array)) throw new TypeError(`${caller}: values must be a Float32Array, got ${describeValue(values)}`);
    if (!(out instanceof Int32Array)) throw new TypeError(`${caller}: out must be an Int32Array, got ${describeValue(out)}`);
    if (out.length !== values.length)
      throw new RangeError(`${caller}: out must hold values.length (${values.length}) integers, got ${out.length}`);
    if (typeof bound !== 'number' || !(bound >= 0 && bound < Infinity))
      throw new (typeof bound === 'number' ? RangeError : TypeError)(`${caller}: bound must be a finite number >= 0, got ${describeValue(bound)}`);
    if (typeof inverseStep !== 'number' || !(inverseStep > 0 && bound * inverseStep + 1 < 2 ** 31))
      throw new (typeof inverseStep === 'number' ? RangeError : TypeError)(
        `${caller}: inverseStep must be a number > 0 with bound · inverseStep + 1 < 2^31 (bound ${bound}), got ${describeValue(inverseStep)}`,
      );
    const n = values.length;
    if (n === 0) return;
    const blocks = Math.ceil(n / 8);
    if (blocks > 0x1000000) {
      // at most 2^24 blocks per kernel call; chunks of 2^27 values (a multiple of 8: no block is
      // split). Every value is checked first, so a bad one late in the array draws nothing.
      const bad = randomKernels(n).firstNonFinite(values);
      if (bad >= 0) throw new RangeError(`${caller}: values[${bad}] is ${describeValue(values[bad])}; quantization needs finite values`);
      for (let at = 0; at < n; at += 0x8000000)
        this.quantizeStochastic(values.subarray(at, Math.min(n, at + 0x8000000)), bound, inverseStep, out.subarray(at, Math.min(n, at + 0x8000000)));
      return;
    }
    const [stream, high, counter] = [this.nonce[0], this.nonce[1], this.counter];
    if (this.counter + blocks > BLOCK_LIMIT) this.nextStream();
    // The kernel scans for NaN/±Inf before it draws or writes anything (one pass, not two).
    const bad = randomKernels(n).quantizeStochastic(this.key, this.nonce, this.counter, values, bound, inverseStep, out);
    if (bad >= 0) {
      [this.nonce[0], this.nonce[1], this.counter] = [stream, high, counter]; // nothing changed
      throw new RangeError(`${caller}: values[${bad}] is ${describeValue(values[bad])}; quantization needs finite values`);
    }
    this.counter += blocks;
  }
}
