/**
 * Randomness (issue 20 asks 2 and 7; docs/PRIVACY.md "Randomness"): the ChaCha20 block kernel
 * against RFC 8439's published vectors on every backend, and SecureRandom's keying (platform
 * source, never Math.random; a fixed key only through `unsafeSeed`).
 *
 * The vectors are RFC 8439's text (§2.3.2, §2.4.2, Appendix A.1 #1-#5), and are also checked
 * against Node's OpenSSL ChaCha20 (an independent implementation) for random keys.
 */
import * as crypto from 'crypto';
import { SecureRandom } from '../../src/privacy/random';
import { randomKernelBackends } from './random_backends';
import { expectThrowName } from '../fl/helpers';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const words = (b: Uint8Array): Uint32Array => {
  const w = new Uint32Array(b.length / 4);
  for (let i = 0; i < w.length; i++) w[i] = b[4 * i] | (b[4 * i + 1] << 8) | (b[4 * i + 2] << 16) | (b[4 * i + 3] << 24);
  return w;
};
const bytes = (w: Uint32Array): Uint8Array => new Uint8Array(w.buffer, w.byteOffset, w.byteLength).slice();

// RFC 8439 Appendix A.1 (and §2.3.2): [key, nonce, counter, the 64-byte serialized block]
const BLOCK_VECTORS: Array<[string, string, string, number, string]> = [
  ['§2.3.2', '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', '000000090000004a00000000', 1,
    '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e'],
  ['A.1 #1', '0000000000000000000000000000000000000000000000000000000000000000', '000000000000000000000000', 0,
    '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586'],
  ['A.1 #2', '0000000000000000000000000000000000000000000000000000000000000000', '000000000000000000000000', 1,
    '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f'],
  ['A.1 #3', '0000000000000000000000000000000000000000000000000000000000000001', '000000000000000000000000', 1,
    '3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0'],
  ['A.1 #4', '00ff000000000000000000000000000000000000000000000000000000000000', '000000000000000000000000', 2,
    '72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096'],
  ['A.1 #5', '0000000000000000000000000000000000000000000000000000000000000000', '000000000000000000000002', 0,
    'c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c78a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d'],
];

// RFC 8439 §2.4.2: the sunscreen plaintext, encrypted from block counter 1
const SUNSCREEN = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
const SUNSCREEN_CIPHERTEXT =
  '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b' +
  'f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8' +
  '07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736' +
  '5af90bbf74a35be6b40b8eedf2785e42874d';

describe.each(randomKernelBackends())('chacha20Blocks on %s', (name, k) => {
  test.each(BLOCK_VECTORS)('RFC 8439 %s', (_label, key, nonce, counter, block) => {
    const out = new Uint32Array(16);
    k.chacha20Blocks(words(hex(key)), words(hex(nonce)), counter, out);
    expect(Buffer.from(bytes(out)).toString('hex')).toBe(block);
  });

  test('RFC 8439 §2.4.2: the sunscreen keystream (two blocks from counter 1) encrypts to the published ciphertext', () => {
    const plain = new TextEncoder().encode(SUNSCREEN);
    const ks = new Uint32Array(32);
    k.chacha20Blocks(words(hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')), words(hex('000000000000004a00000000')), 1, ks);
    const stream = bytes(ks);
    const cipher = plain.map((b, i) => b ^ stream[i]);
    expect(Buffer.from(cipher).toString('hex')).toBe(SUNSCREEN_CIPHERTEXT);
  });

  test("consecutive blocks equal Node's OpenSSL ChaCha20 keystream (random keys, nonces, counters)", () => {
    for (let t = 0; t < 20; t++) {
      const key = crypto.randomBytes(32);
      const nonce = crypto.randomBytes(12);
      const counter = t === 0 ? 0xffffffff - 2 : crypto.randomBytes(4).readUInt32LE(0) >>> 8;
      const blocks = 1 + (t % 3);
      const out = new Uint32Array(16 * blocks);
      k.chacha20Blocks(words(key), words(nonce), counter, out);
      const iv = Buffer.alloc(16);
      iv.writeUInt32LE(counter, 0);
      nonce.copy(iv, 4);
      const c = crypto.createCipheriv('chacha20', key, iv);
      const want = c.update(Buffer.alloc(64 * blocks));
      expect(Buffer.from(bytes(out)).equals(want)).toBe(true);
    }
  });

  test('the 32-bit block counter never wraps: a request past block 2^32 - 1 is refused, nothing written', () => {
    const key = new Uint32Array(8), nonce = new Uint32Array(3);
    const last = new Uint32Array(16);
    k.chacha20Blocks(key, nonce, 0xffffffff, last); // the last block is fine
    const out = new Uint32Array(32).fill(7);
    // (the addon's errors come from another realm than jest's: compare names, not constructors)
    expectThrowName(() => k.chacha20Blocks(key, nonce, 0xffffffff, out), 'RangeError', /argument 4 is out of bounds \(the 32-bit block counter would wrap\)/);
    expect(out.every((x) => x === 7)).toBe(true);
    expectThrowName(() => k.chacha20Blocks(new Uint32Array(7), nonce, 0, last), 'RangeError', /argument 1/);
    expectThrowName(() => k.chacha20Blocks(key, new Uint32Array(4), 0, last), 'RangeError', /argument 2/);
    expectThrowName(() => k.chacha20Blocks(key, nonce, 0, new Uint32Array(15)), 'RangeError', /argument 4/);
    if (name !== 'ts') {
      // the glues check kinds (the TypeScript twins trust their typed callers, like every ts kernel)
      expectThrowName(() => k.chacha20Blocks(key, nonce, 0, new Float32Array(16) as never), 'TypeError', /argument 4 must be a Uint32Array/);
      expectThrowName(() => k.discreteGaussian(key, nonce, 0, 4, new Uint32Array(16) as never), 'TypeError', /argument 5 must be an Int32Array/);
    }
  });
});

describe('SecureRandom', () => {
  test('keyed from the platform source: two generators without a seed draw different words and noise', () => {
    const a = SecureRandom.create(), b = SecureRandom.create();
    expect(a.unsafe).toBe(false);
    const wa = new Uint32Array(64), wb = new Uint32Array(64);
    a.fillUint32(wa);
    b.fillUint32(wb);
    expect(Buffer.from(wa.buffer).equals(Buffer.from(wb.buffer))).toBe(false);
    const na = new Int32Array(32), nb = new Int32Array(32);
    a.discreteGaussian(1 << 20, na);
    b.discreteGaussian(1 << 20, nb);
    expect(Buffer.from(na.buffer).equals(Buffer.from(nb.buffer))).toBe(false);
  });

  test('never calls Math.random (a spy that throws), seeded or not', () => {
    const spy = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random was called');
    });
    try {
      for (const r of [SecureRandom.create(), SecureRandom.create({ unsafeSeed: 5 })]) {
        r.fillUint32(new Uint32Array(100));
        r.discreteGaussian(1 << 20, new Int32Array(1000));
        r.discreteGaussian(3, new Int32Array(1000));
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  test('unsafeSeed replays; different seeds differ; the seed is the key (number: little-endian 64-bit)', () => {
    const a = SecureRandom.create({ unsafeSeed: 42 }), b = SecureRandom.create({ unsafeSeed: 42 });
    const c = SecureRandom.create({ unsafeSeed: 43 });
    expect(a.unsafe).toBe(true);
    const wa = new Uint32Array(40), wb = new Uint32Array(40), wc = new Uint32Array(40);
    a.fillUint32(wa);
    b.fillUint32(wb);
    c.fillUint32(wc);
    expect(wa).toEqual(wb);
    expect(wa).not.toEqual(wc);
    // 40 words = 3 blocks (the partial third block's remaining words are dropped); the next call starts at block 3
    expect(a.position()).toEqual({ stream: 0, block: 3 });
    const key = new Uint8Array(32);
    key[0] = 42;
    const d = SecureRandom.create({ unsafeSeed: key });
    const wd = new Uint32Array(40);
    d.fillUint32(wd);
    expect(wd).toEqual(wa);
  });

  test('bad options are refused with the option named', () => {
    expect(() => SecureRandom.create({ unsafeSeed: -1 })).toThrow(/unsafeSeed.*-1/);
    expect(() => SecureRandom.create({ unsafeSeed: 1.5 })).toThrow(RangeError);
    expect(() => SecureRandom.create({ unsafeSeed: new Uint8Array(31) })).toThrow(/unsafeSeed/);
    expect(() => SecureRandom.create({ unsafeSeed: 'x' as unknown as number })).toThrow(TypeError);
    const r = SecureRandom.create({ unsafeSeed: 1 });
    expect(() => r.discreteGaussian(0, new Int32Array(1))).toThrow(/scale.*0/);
    expect(() => r.discreteGaussian(2 ** 20 + 1, new Int32Array(1))).toThrow(RangeError);
  });
});

test('SecureRandom.quantizeStochastic: a NaN is a RangeError naming its index, and the stream has not moved', () => {
  const a = SecureRandom.create({ unsafeSeed: 5 });
  const b = SecureRandom.create({ unsafeSeed: 5 });
  const out = new Int32Array(20).fill(7);
  const bad = Float32Array.from({ length: 20 }, (_, i) => (i === 13 ? NaN : i / 10));
  expect(() => a.quantizeStochastic(bad, 4, 100, out)).toThrow(/values\[13\] is NaN/);
  expect(out.every((v) => v === 7)).toBe(true);
  expect(a.position()).toEqual({ stream: 0, block: 0 });
  const good = Float32Array.from({ length: 20 }, (_, i) => i / 10);
  const x = new Int32Array(20), y = new Int32Array(20);
  a.quantizeStochastic(good, 4, 100, x);
  b.quantizeStochastic(good, 4, 100, y);
  expect(Array.from(x)).toEqual(Array.from(y));
});
