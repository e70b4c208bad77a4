/**
 * The `privacy` options of ErrorFeedback (client) and Aggregator (server), SPEC §11 and
 * docs/PRIVACY.md "Client pipeline" / "Central mode". Each field is read once (a getter runs
 * once; its own exception passes through unchanged). A wrong type is a TypeError, a bad value a
 * RangeError, both naming the field and the value.
 */
import { describeValue } from '../errors';
import { readObject } from '../read';

/**
 * Where the noise is added. 'local': each client noises its own clipped update before selecting.
 * 'central': clients only clip; the Aggregator noises the sum. 'distributed': each client
 * quantizes its clipped update and adds a share of integer noise, so that the sum over at least
 * minClients clients under secure aggregation (SPEC §12) carries the target noise
 * (docs/PRIVACY.md, "Distributed noise").
 */
export type NoiseMode = 'local' | 'central' | 'distributed';

const NOISE_MODES: readonly NoiseMode[] = ['local', 'central', 'distributed'];

/** A fixed seed for the noise: unsafe (anyone who knows it can remove the noise); tests and eval only. */
export type UnsafeSeed = number | Uint8Array;

/** ErrorFeedback's `options.privacy`. */
export interface ClientPrivacyOptions {
  noise: NoiseMode;
  /** The L2 norm every round's update is clipped to, over all layers together (> 0). */
  clipNorm: number;
  /**
   * The noise's standard deviation divided by clipNorm (z). 'local': the client's own noise
   * (> 0). 'central': the multiplier the server adds with (≥ 0), used by privacySpent() only.
   * 'distributed' (> 0): the standard deviation of the noise in the sum over minClients clients,
   * divided by the L2 sensitivity of one client's quantized update.
   */
  noiseMultiplier: number;
  /**
   * 'distributed' only: the fewest clients whose noise is in a round's sum (an integer >= 1):
   * each client's share is sized so that minClients shares carry the target noise.
   */
  minClients?: number;
  /**
   * 'distributed' only: the most clients whose inputs are summed in one round (an integer >=
   * minClients): the grid is chosen so that the sum of that many cannot wrap modulo 2^32.
   */
  maxClients?: number;
  /**
   * 'distributed' only: every coordinate is clamped to [-clipRange, clipRange] before it is
   * quantized (a finite number > 0; default clipNorm, which clamps nothing). A smaller range gives
   * a finer grid within the same 32 bits.
   */
  clipRange?: number;
  /** 'local' and 'distributed': a fixed seed for the randomness. Unsafe: for tests and evaluation only. */
  unsafeSeed?: UnsafeSeed;
}

/** Aggregator's `options.privacy` (central mode). */
export interface ServerPrivacyOptions {
  /** Messages whose update (times its weight) has a larger L2 norm are rejected (> 0). */
  clipNorm: number;
  /** Noise of standard deviation noiseMultiplier · clipNorm goes on every coordinate of the sum (≥ 0). */
  noiseMultiplier: number;
  /** 'mean' divides the noised sum by this (the expected clients per round), not the count (> 0). */
  expectedClients?: number;
  /** A fixed seed for the noise. Unsafe: for tests and evaluation only. */
  unsafeSeed?: UnsafeSeed;
}

export interface ReadClientPrivacy {
  noise: NoiseMode;
  clipNorm: number;
  noiseMultiplier: number;
  unsafeSeed: UnsafeSeed | undefined;
  /** 'distributed' only (0 otherwise). */
  minClients: number;
  /** 'distributed' only (0 otherwise). */
  maxClients: number;
  /** 'distributed' only: clipRange, default clipNorm (0 otherwise). */
  clipRange: number;
}

export interface ReadServerPrivacy {
  clipNorm: number;
  noiseMultiplier: number;
  expectedClients: number | undefined;
  unsafeSeed: UnsafeSeed | undefined;
}

function badNumber(v: unknown, what: string, expected: string): Error {
  return new (typeof v === 'number' ? RangeError : TypeError)(`${what} must be ${expected}, got ${describeValue(v)}`);
}

function positive(v: unknown, what: string): number {
  if (typeof v !== 'number' || !(v > 0) || v === Infinity) throw badNumber(v, what, 'a finite number > 0');
  return v;
}

function multiplier(v: unknown, what: string, strict: boolean): number {
  if (typeof v !== 'number' || !(strict ? v > 0 : v >= 0) || v === Infinity)
    throw badNumber(v, what, strict ? "a finite number > 0 (noise 'local' adds noise of standard deviation noiseMultiplier · clipNorm)" : 'a finite number >= 0');
  return v;
}

function seed(v: unknown, what: string): UnsafeSeed | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
    throw new RangeError(`${what} must be a safe integer >= 0 or 32 bytes (a fixed seed: tests and evaluation only), got ${describeValue(v)}`);
  }
  if (v instanceof Uint8Array) {
    if (v.length === 32) return v.slice();
    throw new RangeError(`${what} must be a safe integer >= 0 or 32 bytes (a fixed seed: tests and evaluation only), got ${describeValue(v)}`);
  }
  throw new TypeError(`${what} must be a number or a Uint8Array (a fixed seed: tests and evaluation only), got ${describeValue(v)}`);
}

/** A client count: an integer in [1, 2^31 - 1]. */
function clientCount(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !(Number.isInteger(v) && v >= min && v <= 0x7fffffff))
    throw badNumber(v, what, `an integer in [${min}, 2^31 - 1]`);
  return v;
}

/** Reads ErrorFeedback's options.privacy (`what` is e.g. 'ErrorFeedback: options.privacy'). */
export function readClientPrivacy(v: unknown, what: string): ReadClientPrivacy {
  const o = readObject(
    v,
    what,
    "an object {noise: 'local' | 'central' | 'distributed', clipNorm, noiseMultiplier, minClients?, maxClients?, clipRange?, unsafeSeed?}",
  );
  const { noise, clipNorm, noiseMultiplier, unsafeSeed, minClients, maxClients, clipRange } = o;
  if (typeof noise !== 'string')
    throw new TypeError(`${what}.noise must be one of 'local', 'central', 'distributed', got ${describeValue(noise)}`);
  if (!(NOISE_MODES as readonly string[]).includes(noise))
    throw new RangeError(`${what}.noise must be one of 'local', 'central', 'distributed', got ${describeValue(noise)}`);
  const mode = noise as NoiseMode;
  const clip = positive(clipNorm, `${what}.clipNorm`);
  if (mode !== 'distributed') {
    const extra = (['minClients', 'maxClients', 'clipRange'] as const).find((k) => o[k] !== undefined);
    if (extra !== undefined)
      throw new TypeError(`${what}.${extra} is only for noise 'distributed' (secure aggregation), got ${describeValue(o[extra])} with noise '${mode}'`);
    return {
      noise: mode,
      clipNorm: clip,
      noiseMultiplier: multiplier(noiseMultiplier, `${what}.noiseMultiplier`, mode === 'local'),
      unsafeSeed: seed(unsafeSeed, `${what}.unsafeSeed`),
      minClients: 0,
      maxClients: 0,
      clipRange: 0,
    };
  }
  if (typeof noiseMultiplier !== 'number' || !(noiseMultiplier > 0 && noiseMultiplier < Infinity))
    throw badNumber(noiseMultiplier, `${what}.noiseMultiplier`, "a finite number > 0 (noise 'distributed': the sum over minClients clients carries noise of standard deviation noiseMultiplier times the sensitivity)");
  const min = clientCount(minClients, `${what}.minClients`, 1);
  const max = clientCount(maxClients, `${what}.maxClients`, min);
  return {
    noise: mode,
    clipNorm: clip,
    noiseMultiplier,
    unsafeSeed: seed(unsafeSeed, `${what}.unsafeSeed`),
    minClients: min,
    maxClients: max,
    clipRange: clipRange === undefined ? clip : positive(clipRange, `${what}.clipRange`),
  };
}

/** Reads Aggregator's options.privacy. */
export function readServerPrivacy(v: unknown, what: string): ReadServerPrivacy {
  const o = readObject(v, what, 'an object {clipNorm, noiseMultiplier, expectedClients?, unsafeSeed?}');
  const { clipNorm, noiseMultiplier, expectedClients, unsafeSeed } = o;
  return {
    clipNorm: positive(clipNorm, `${what}.clipNorm`),
    noiseMultiplier: multiplier(noiseMultiplier, `${what}.noiseMultiplier`, false),
    expectedClients: expectedClients === undefined ? undefined : positive(expectedClients, `${what}.expectedClients`),
    unsafeSeed: seed(unsafeSeed, `${what}.unsafeSeed`),
  };
}
