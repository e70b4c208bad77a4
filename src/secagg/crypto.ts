/**
 * The primitives secure aggregation uses, all from audited libraries (SPEC §12; docs/SECAGG.md,
 * "Primitives"): X25519 (@noble/curves), HKDF-SHA256 (@noble/hashes), AES-256-GCM
 * (@noble/ciphers), Shamir sharing over GF(256) (shamir-secret-sharing), and mask expansion with
 * the `maskAdd` kernel (ChaCha20). This file only names and binds them; the protocol is in
 * client.ts and server.ts.
 *
 * Randomness: `Entropy` reads the platform's CSPRNG (platform.secureRandom); only the option
 * `unsafeSeed` (tests, golden vectors) replaces it with a SecureRandom stream of a fixed key.
 * Shamir's polynomial coefficients and x-coordinates always come from the library's own CSPRNG.
 */
import { x25519 } from '@noble/curves/ed25519';
import { hkdf } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha256';
import { gcm } from '@noble/ciphers/aes';
import { split, combine } from 'shamir-secret-sharing';

import { kernelsFor } from '../backend';
import { SecAggError } from '../errors';
import { platform } from '../platform';
import { SecureRandom } from '../privacy/random';
import { putU32 } from '../fl/codec';
import { KEY_BYTES, NONCE_BYTES, CIPHERTEXT_BYTES, PLAINTEXT_BYTES } from './messages';

/** A fixed seed for every random choice of one party. UNSAFE: tests and golden vectors only. */
export type SecAggUnsafeSeed = number | Uint8Array;

/** Where a party's random bytes come from: the platform CSPRNG, or (unsafe) a seeded SecureRandom. */
export class Entropy {
  private readonly seeded: SecureRandom | null;

  constructor(unsafeSeed: SecAggUnsafeSeed | undefined) {
    this.seeded = unsafeSeed === undefined ? null : SecureRandom.create({ unsafeSeed });
  }

  get unsafe(): boolean {
    return this.seeded !== null;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    if (this.seeded === null) {
      platform.secureRandom(out);
      return out;
    }
    const words = new Uint32Array(Math.ceil(n / 4));
    this.seeded.fillUint32(words);
    for (let i = 0; i < n; i++) out[i] = (words[i >>> 2] >>> (8 * (i & 3))) & 0xff;
    words.fill(0);
    return out;
  }
}

/** An X25519 key pair. */
export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function keyPair(entropy: Entropy): KeyPair {
  const secretKey = entropy.bytes(KEY_BYTES);
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

export const publicKeyOf = (secretKey: Uint8Array): Uint8Array => x25519.getPublicKey(secretKey);

/**
 * X25519(secretKey, publicKey). A public key that gives the all-zero output (a small-order point)
 * is a SecAggError naming `whose` key, never the secret.
 */
export function agree(secretKey: Uint8Array, publicKey: Uint8Array, whose: string): Uint8Array {
  try {
    return x25519.getSharedSecret(secretKey, publicKey);
  } catch {
    throw new SecAggError(`${whose} is not a usable X25519 public key (a small-order point or malformed)`);
  }
}

const SALT = new TextEncoder().encode('tfjs-dgp secagg v1');
/** HKDF info labels, one per use (domain separation). */
export const LABEL_SHARE_KEY = 'share encryption key';
export const LABEL_PAIR_MASK = 'pairwise mask seed';
export const LABEL_SELF_MASK = 'self mask seed';

/**
 * HKDF-SHA256(ikm, salt "tfjs-dgp secagg v1", info = label ‖ u32 round ‖ u32 a ‖ u32 b), 32 bytes.
 * For pairwise uses a = min(u, v), b = max(u, v) so both ends derive the same key; for the
 * self mask a = b = the client's id.
 */
export function derive(ikm: Uint8Array, label: string, round: number, a: number, b: number): Uint8Array {
  const l = new TextEncoder().encode(label);
  const info = new Uint8Array(l.length + 12);
  info.set(l, 0);
  putU32(info, l.length, round);
  putU32(info, l.length + 4, a);
  putU32(info, l.length + 8, b);
  return hkdf(sha256, ikm, SALT, info, 32);
}

export const pairKey = (ikm: Uint8Array, label: string, round: number, u: number, v: number): Uint8Array =>
  derive(ikm, label, round, Math.min(u, v), Math.max(u, v));

/** Encrypts a pair of shares: nonce (12 random bytes) ‖ AES-256-GCM(key, nonce, aad)(plaintext) ‖ tag. */
export function encrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(CIPHERTEXT_BYTES);
  out.set(nonce, 0);
  out.set(gcm(key, nonce, aad).encrypt(plaintext), NONCE_BYTES);
  return out;
}

/** Decrypts and authenticates; null when the tag (checked in constant time by the library) fails. */
export function decrypt(key: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  try {
    const p = gcm(key, ciphertext.subarray(0, NONCE_BYTES), aad).decrypt(ciphertext.subarray(NONCE_BYTES));
    return p.length === PLAINTEXT_BYTES ? p : null;
  } catch {
    return null;
  }
}

/**
 * Mask nonces (3 words): [round, purpose, 0], purpose MASK_SELF (1) for PRG(b_u) and MASK_PAIR
 * (2) for PRG(s_uv); the block counter starts at 0. Seeds are fresh per round and per use, so the
 * nonce is separation in depth, not the only guard against keystream reuse.
 */
export const MASK_SELF = 1;
export const MASK_PAIR = 2;

/** acc ± PRG(seed) mod 2^32: the maskAdd kernel with key = seed as 8 little-endian words. */
export function applyMask(acc: Uint32Array, seed: Uint8Array, round: number, purpose: number, subtract: boolean): void {
  const key = new Uint32Array(8);
  for (let i = 0; i < 8; i++) key[i] = (seed[4 * i] | (seed[4 * i + 1] << 8) | (seed[4 * i + 2] << 16) | (seed[4 * i + 3] << 24)) >>> 0;
  kernelsFor(acc.length).maskAdd(key, Uint32Array.of(round, purpose, 0), 0, subtract, acc);
  key.fill(0);
}

/** Shamir t-of-n shares of a secret (n in [2, 255], t in [2, n]); each share is the secret's length + 1 bytes. */
export const splitSecret = (secret: Uint8Array, n: number, t: number): Promise<Uint8Array[]> => split(secret, n, t);

/** The secret from at least t shares (x-coordinates distinct); a library failure is a SecAggError naming `what`. */
export async function combineShares(shares: Uint8Array[], what: string): Promise<Uint8Array> {
  try {
    return await combine(shares);
  } catch {
    throw new SecAggError(`${what}: the shares do not combine (duplicate x-coordinates or unequal lengths)`);
  }
}

/** Overwrites secret bytes (best effort: JavaScript may have copies). */
export const wipe = (b: Uint8Array | null | undefined): void => {
  if (b) b.fill(0);
};

/** Equality of two byte strings in time independent of where they differ (for public keys and checks). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
