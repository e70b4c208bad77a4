/**
 * Hostile input (SPEC §6): every decode of random, truncated, bit-flipped or crafted bytes ends
 * in DgpFormatError with a message saying what is wrong: never another error, a hang, or an
 * allocation far beyond the message size. Runs on every backend. Case counts are tallied and
 * printed at the end (about 28,500 decodes per backend).
 */
import fc from 'fast-check';

import { decodeAligned, decodePositions, decodeUpdate, DgpFormatError, encodeAligned, encodePositions, encodeUpdate, Update } from '../../src/fl';
import * as ts from '../../src/backends/ts/wire';
import { BACKENDS, onBackend, subset } from './helpers';

const DECODERS = [decodeUpdate, decodePositions, decodeAligned];
let cases = 0;

/** Decodes with all three decoders: each must return or throw DgpFormatError, nothing else. */
function hostile(bytes: Uint8Array, mustFail: boolean): void {
  for (const decode of DECODERS) {
    cases++;
    try {
      decode(bytes);
    } catch (e) {
      if (!(e instanceof DgpFormatError)) throw new Error(`${decode.name} threw ${(e as Error).name}: ${(e as Error).message}`);
      expect((e as Error).message).toMatch(new RegExp(`^${decode.name}: `));
      continue;
    }
    // Only the decoder of the right kind can accept a message.
    if (mustFail || decode !== expectedDecoder(bytes)) throw new Error(`${decode.name} accepted hostile bytes`);
  }
}

function expectedDecoder(bytes: Uint8Array): (typeof DECODERS)[number] | null {
  return bytes.length > 5 ? DECODERS[bytes[5] - 1] ?? null : null;
}

/** Rewrites the length field and CRC so the mutation reaches the layer parser. */
function reseal(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  if (b.length < 24) return b;
  new DataView(b.buffer).setUint32(8, b.length, true);
  new DataView(b.buffer).setUint32(b.length - 4, ts.crc32(b, 0, b.length - 4), true);
  return b;
}

/** A header of the given kind, the body bytes, and a valid CRC. */
function craft(kind: number, body: number[], layerCount = 1, round = 0): Uint8Array {
  const extra = kind === 3 ? 4 : 0;
  const b = new Uint8Array(20 + extra + body.length + 4);
  b.set([0x44, 0x47, 0x50, 0x57, 1, kind, 0, 0]);
  const v = new DataView(b.buffer);
  v.setUint32(12, round, true);
  v.setUint32(16, layerCount, true);
  b.set(body, 20 + extra);
  return reseal(b);
}

const VALID: Update = {
  round: 5,
  layers: [
    { name: 'conv/kernel', shape: [3, 3, 2, 4], indices: subset(72, 0.3, 1), values: new Float32Array(0) },
    { name: 'dense', shape: [300], indices: subset(300, 0.05, 2), values: new Float32Array(0) },
    { name: 'bias', shape: [4], indices: Uint32Array.of(0, 3), values: new Float32Array(0) },
  ].map((l) => ({ ...l, values: Float32Array.from(l.indices, (i) => (i % 5) - 2) })),
};

function validMessages(): Uint8Array[] {
  const pos = encodePositions({ round: 5, layers: VALID.layers.map(({ name, shape, indices }) => ({ name, shape, indices })) });
  const id = new DataView(pos.buffer).getUint32(pos.length - 4, true);
  return [encodeUpdate(VALID), pos, encodeAligned({ round: 5, positionsId: id, layers: VALID.layers.map(({ name, values }) => ({ name, values })) })];
}

describe.each(BACKENDS)('hostile bytes on %s', (backend) => {
  beforeEach(() => onBackend(backend, () => undefined));

  test('random bytes (600 raw, 1500 behind a valid header and CRC)', () => {
    onBackend(backend, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => hostile(b, true)), { numRuns: 600, seed: 1 });
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.uint8Array({ maxLength: 200 }), (kind, layers, body) =>
          hostile(craft(kind, [...body], layers), false),
        ),
        { numRuns: 1500, seed: 2 },
      );
    });
  });

  test('every truncation of valid messages', () => {
    onBackend(backend, () => {
      for (const m of validMessages()) {
        for (let len = 0; len < m.length; len++) hostile(m.subarray(0, len), true);
        // Truncated and resealed: the parser itself must notice the missing bytes.
        for (let len = 24; len < m.length - 4; len++) hostile(reseal(Uint8Array.from([...m.subarray(0, len), 0, 0, 0, 0])), false);
      }
    });
  });

  test('every single-bit flip of valid messages is caught (CRC, or the header check before it)', () => {
    onBackend(backend, () => {
      for (const m of validMessages()) {
        for (let bit = 0; bit < m.length * 8; bit++) {
          const b = m.slice();
          b[bit >> 3] ^= 1 << (bit & 7);
          hostile(b, true);
        }
      }
    });
  });

  test('single-bit flips and byte overwrites behind a recomputed CRC reach the parser safely', () => {
    onBackend(backend, () => {
      for (const m of validMessages()) {
        for (let bit = 24 * 8; bit < (m.length - 4) * 8; bit += 3) {
          const b = m.slice();
          b[bit >> 3] ^= 1 << (bit & 7);
          hostile(reseal(b), false);
        }
      }
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 }), fc.nat(), fc.constantFrom(0, 0x7f, 0x80, 0xff, 0x0f, 0x10), (which, at, v) => {
          const m = validMessages()[which].slice();
          m[24 + (at % (m.length - 28))] = v;
          hostile(reseal(m), false);
        }),
        { numRuns: 400, seed: 3 },
      );
    });
  });

  // Each crafted message is valid up to one extreme field; the error must say which.
  const name = [1, 0x61]; // 'a'
  const CRAFTED: Array<[string, Uint8Array, (typeof DECODERS)[number], RegExp]> = [
    ['layer count 2^32-1', craft(1, [...name, 0, 0, 0], 0xffffffff), decodeUpdate, /layer count 4294967295 cannot fit/],
    ['name length 2^32-1', craft(1, [0xff, 0xff, 0xff, 0xff, 0x0f, 0]), decodeUpdate, /name length 4294967295 exceeds 1024/],
    ['name length past the end', craft(1, [100, 0x61, 0, 0, 0]), decodeUpdate, /truncated name/],
    ['6-byte varint', craft(1, [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), decodeUpdate, /name length varint overflows 32 bits/],
    ['overlong varint', craft(1, [...name, 1, 0x85, 0x00, 0, 0]), decodeUpdate, /shape\[0\] varint is overlong/],
    ['rank 255', craft(1, [...name, 255, 0, 0, 0]), decodeUpdate, /rank 255 exceeds 16/],
    ['dims overflow', craft(1, [...name, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 2, 0, 0]), decodeUpdate, /8589934590 elements; at most 2\^32-1/],
    ['coding 7', craft(1, [...name, 1, 8, 7, 0]), decodeUpdate, /index coding 7 is not 0/],
    ['count 2^32-1', craft(1, [...name, 1, 8, 1, 0xff, 0xff, 0xff, 0xff, 0x0f]), decodeUpdate, /count 4294967295 exceeds the layer size 8/],
    ['count beyond the bytes', craft(1, [...name, 2, 0xff, 0xff, 0x03, 0xff, 0xff, 0x03, 1, 0xff, 0xff, 0x03, 1]), decodeUpdate, /truncated 65535 delta indices/],
    ['bitmap of 2^32-1 bits', craft(2, [...name, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 1, 1]), decodePositions, /truncated bitmap of 4294967295 bits: needs 536870912 bytes/],
    ['bitmap popcount above count', craft(2, [...name, 1, 8, 0, 1, 3]), decodePositions, /bitmap has more than 1 set bits, the count says 1/],
    ['bitmap popcount below count', craft(2, [...name, 1, 8, 0, 2, 1]), decodePositions, /bitmap has only 1 set bits, the count says 2/],
    ['bitmap padding bit', craft(2, [...name, 1, 3, 0, 1, 0x08]), decodePositions, /bitmap sets bit 3, past the layer size 3/],
    ['delta 0 (repeat)', craft(2, [...name, 1, 8, 1, 2, 1, 0]), decodePositions, /index 1 has delta 0: indices must be strictly ascending/],
    ['index out of range', craft(2, [...name, 1, 8, 1, 2, 1, 7]), decodePositions, /index 1 is >= the layer size 8/],
    ['delta varint overflow', craft(2, [...name, 1, 8, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x1f]), decodePositions, /delta index 0 overflows 32 bits/],
    ['NaN value', craft(1, [...name, 1, 1, 0, 1, 1, 0, 0, 0xc0, 0x7f]), decodeUpdate, /values\[0\] is NaN/],
    ['aligned count 2^32-1', craft(3, [...name, 0xff, 0xff, 0xff, 0xff, 0x0f]), decodeAligned, /truncated values \(4294967295 float32\)/],
    ['duplicate name', craft(3, [...name, 0, ...name, 0], 2), decodeAligned, /layer 1 \('a'\): duplicate layer name/],
    ['invalid UTF-8 name', craft(3, [1, 0xff, 0]), decodeAligned, /name is not valid UTF-8/],
    ['trailing bytes', craft(3, [...name, 0, 9]), decodeAligned, /1 unexpected bytes after the last layer/],
    ['wrong kind', craft(2, []), decodeUpdate, /expected an update message \(kind 1\), got kind 2 \(positions\)/],
    ['version 2', (() => { const b = craft(1, [], 0); b[4] = 2; return reseal(b); })(), decodeUpdate, /unsupported format version 2/],
    ['length field 2^32-1', (() => { const b = craft(1, [], 0); b.set([0xff, 0xff, 0xff, 0xff], 8); return b; })(), decodeUpdate, /header says 4294967295 bytes, got 24 \(truncated\)/],
    ['bad magic', Uint8Array.from([0x50, 0x4b, 3, 4, ...new Array(30).fill(0)]), decodeUpdate, /not a tfjs-dgp message: magic is 0x04034b50/],
    ['CRC', (() => { const b = craft(1, [], 0); b[23] ^= 1; return b; })(), decodeUpdate, /CRC-32 mismatch: stored 0x.{8}, computed 0x.{8}/],
  ];

  test.each(CRAFTED)('crafted: %s', (_, bytes, decode, message) => {
    onBackend(backend, () => {
      cases++;
      expect(() => decode(bytes)).toThrow(DgpFormatError);
      expect(() => decode(bytes)).toThrow(message);
    });
  });

  test('allocations stay within a small multiple of the message size', () => {
    onBackend(backend, () => {
      // Count every typed array the decoders create, by bytes, while decoding hostile messages.
      const real = { U: globalThis.Uint32Array, F: globalThis.Float32Array };
      let allocated = 0;
      const spy = <T extends object>(C: T, width: number): T =>
        new Proxy(C as unknown as new (...a: unknown[]) => object, {
          construct(target, args) {
            if (typeof args[0] === 'number') allocated += args[0] * width;
            return new target(...args);
          },
        }) as unknown as T;
      globalThis.Uint32Array = spy(real.U, 4);
      globalThis.Float32Array = spy(real.F, 4);
      try {
        for (const [, bytes, decode] of CRAFTED) {
          allocated = 0;
          try { decode(bytes); } catch { /* expected */ }
          expect(allocated).toBeLessThanOrEqual(8 * bytes.length);
        }
        for (const m of validMessages()) {
          allocated = 0;
          DECODERS[m[5] - 1](m);
          expect(allocated).toBeGreaterThan(0); // the spy sees the decoders' arrays
          // Positions may expand up to 32x (8 indices per bitmap byte); updates and values up to 2x.
          expect(allocated).toBeLessThanOrEqual((m[5] === 2 ? 32 : 2) * m.length);
        }
      } finally {
        globalThis.Uint32Array = real.U;
        globalThis.Float32Array = real.F;
      }
    });
  });
});

afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(`fuzz: ${cases} hostile decodes across ${BACKENDS.join(', ')}`);
});
