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
 * 'central': clients only clip; the Aggregator noises the sum. ('distributed', each client adding
 * a share of the noise under secure aggregation, will join this union with SPEC §12.)
 */
export type NoiseMode = 'local' | 'central';

/** The noise modes that exist today; 'distributed' is refused with a message saying why. */
const NOISE_MODES: readonly NoiseMode[] = ['local', 'central'];

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
   */
  noiseMultiplier: number;
  /** 'local' only: a fixed seed for the noise. Unsafe: for tests and evaluation only. */
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

/** Reads ErrorFeedback's options.privacy (`what` is e.g. 'ErrorFeedback: options.privacy'). */
export function readClientPrivacy(v: unknown, what: string): ReadClientPrivacy {
  const o = readObject(v, what, "an object {noise: 'local' | 'central', clipNorm, noiseMultiplier, unsafeSeed?}");
  const { noise, clipNorm, noiseMultiplier, unsafeSeed } = o;
  if (noise === 'distributed')
    throw new RangeError(
      `${what}.noise 'distributed' needs secure aggregation (SPEC §12), which this version does not have yet; use 'local' (each client noises its own update) or 'central' (the Aggregator noises the sum)`,
    );
  if (typeof noise !== 'string')
    throw new TypeError(`${what}.noise must be one of 'local', 'central', got ${describeValue(noise)}`);
  if (!(NOISE_MODES as readonly string[]).includes(noise))
    throw new RangeError(`${what}.noise must be one of 'local', 'central', got ${describeValue(noise)}`);
  const mode = noise as NoiseMode;
  return {
    noise: mode,
    clipNorm: positive(clipNorm, `${what}.clipNorm`),
    noiseMultiplier: multiplier(noiseMultiplier, `${what}.noiseMultiplier`, mode === 'local'),
    unsafeSeed: seed(unsafeSeed, `${what}.unsafeSeed`),
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
