/**
 * The primitives secure aggregation takes from its libraries (src/secagg/crypto.ts), against
 * their published test vectors and against Node's OpenSSL (an independent implementation):
 * X25519 (RFC 7748 §6.1), HKDF-SHA256 (RFC 5869 A.1), AES-256-GCM (McGrew–Viega GCM spec test
 * cases 13 and 14), and Shamir sharing (any t of n shares rebuild the secret, fewer do not).
 */
import * as crypto from 'crypto';
import { x25519 } from '@noble/curves/ed25519';
import { hkdf } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha256';
import { gcm } from '@noble/ciphers/aes';
import { split, combine } from 'shamir-secret-sharing';

import { agree, decrypt, encrypt, publicKeyOf } from '../../src/secagg/crypto';
import { SecAggError } from '../../src/errors';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('X25519: RFC 7748 §6.1 (Alice and Bob), through the module secure aggregation uses', () => {
  const aliceSecret = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const bobSecret = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  expect(toHex(publicKeyOf(aliceSecret))).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  expect(toHex(publicKeyOf(bobSecret))).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  expect(toHex(agree(aliceSecret, publicKeyOf(bobSecret), 'bob'))).toBe(shared);
  expect(toHex(agree(bobSecret, publicKeyOf(aliceSecret), 'alice'))).toBe(shared);
  // a small-order point (all zeros) is refused, naming the key's owner only
  expect(() => agree(aliceSecret, new Uint8Array(32), "client 7's key")).toThrow(SecAggError);
});

test('X25519 agrees with OpenSSL on random keys', () => {
  for (let i = 0; i < 8; i++) {
    const a = crypto.generateKeyPairSync('x25519');
    const b = crypto.generateKeyPairSync('x25519');
    const raw = (k: crypto.KeyObject, type: 'private' | 'public') =>
      new Uint8Array(k.export({ format: 'der', type: type === 'private' ? 'pkcs8' : 'spki' }).subarray(-32));
    const openssl = crypto.diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
    expect(toHex(x25519.getSharedSecret(raw(a.privateKey, 'private'), raw(b.publicKey, 'public')))).toBe(openssl.toString('hex'));
  }
});

test('HKDF-SHA256: RFC 5869 test case 1, and OpenSSL on random inputs', () => {
  const okm = hkdf(sha256, hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
  expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  for (let i = 0; i < 8; i++) {
    const [ikm, salt, info] = [crypto.randomBytes(32), crypto.randomBytes(18), crypto.randomBytes(30)];
    const openssl = new Uint8Array(crypto.hkdfSync('sha256', ikm, salt, info, 32));
    expect(toHex(hkdf(sha256, ikm, salt, info, 32))).toBe(toHex(openssl));
  }
});

test('AES-256-GCM: GCM spec test cases 13 and 14, OpenSSL on random inputs, and the wrapper refuses a changed byte', () => {
  const key = new Uint8Array(32), iv = new Uint8Array(12);
  expect(toHex(gcm(key, iv).encrypt(new Uint8Array(0)))).toBe('530f8afbc74536b9a963b4f1c4cb738b');
  expect(toHex(gcm(key, iv).encrypt(new Uint8Array(16)))).toBe('cea7403d4d606b6e074ec5d3baf39d18' + 'd0d1c8a799996bf0265b98b5d48ab919');
  for (let i = 0; i < 8; i++) {
    const [k, n, aad, p] = [crypto.randomBytes(32), crypto.randomBytes(12), crypto.randomBytes(20), crypto.randomBytes(66)];
    const c = crypto.createCipheriv('aes-256-gcm', k, n);
    c.setAAD(aad);
    const openssl = Buffer.concat([c.update(p), c.final(), c.getAuthTag()]);
    expect(toHex(gcm(k, n, aad).encrypt(p))).toBe(openssl.toString('hex'));
  }
  // the package's wrapper: nonce ‖ ciphertext ‖ tag, 66-byte share pairs; any changed byte or AAD is refused
  const k = new Uint8Array(crypto.randomBytes(32)), aad = Uint8Array.from([1, 2, 3]);
  const plain = new Uint8Array(crypto.randomBytes(66));
  const sealed = encrypt(k, new Uint8Array(crypto.randomBytes(12)), aad, plain);
  expect(toHex(decrypt(k, aad, sealed)!)).toBe(toHex(plain));
  for (const at of [0, 11, 12, 40, sealed.length - 1]) {
    const bad = sealed.slice();
    bad[at] ^= 1;
    expect(decrypt(k, aad, bad)).toBeNull();
  }
  expect(decrypt(k, Uint8Array.from([1, 2, 4]), sealed)).toBeNull();
});

test('Shamir over GF(256): every t of n shares rebuild the secret; t - 1 shares give something else', async () => {
  const secret = new Uint8Array(crypto.randomBytes(32));
  const shares = await split(secret, 5, 3);
  for (const pick of [[0, 1, 2], [0, 2, 4], [1, 3, 4], [2, 3, 4]]) expect(toHex(await combine(pick.map((i) => shares[i])))).toBe(toHex(secret));
  expect(toHex(await combine([shares[0], shares[1]]))).not.toBe(toHex(secret));
});
