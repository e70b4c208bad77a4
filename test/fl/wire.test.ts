/** Wire format (SPEC §6): golden vectors, round trips, coding choice, encoder validation. */
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';

import {
  decodeAligned, decodePositions, decodeUpdate, encodeAligned, encodePositions, encodeUpdate, Update,
} from '../../src/fl';
import { ALIGNED, POSITIONS, UPDATE_EMPTY, UPDATE_SMALL } from './golden';
import { BACKENDS, bytesEqual, onBackend, subset } from './helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'wire');
const WRITE = process.env.DGP_WRITE_GOLDEN === '1';

function golden(file: string, bytes: Uint8Array): void {
  const p = path.join(FIXTURES, file);
  if (WRITE) fs.writeFileSync(p, bytes);
  expect(bytesEqual(bytes, new Uint8Array(fs.readFileSync(p)))).toBe(true);
}

describe.each(BACKENDS)('golden vectors on %s', (backend) => {
  test('update-small.bin, update-empty.bin, positions.bin, aligned.bin', () => {
    onBackend(backend, () => {
      const small = encodeUpdate(UPDATE_SMALL);
      golden('update-small.bin', small);
      expect(decodeUpdate(small)).toEqual(UPDATE_SMALL);
      expect(Object.is(decodeUpdate(small).layers[1].values[1], -0)).toBe(true);
      const empty = encodeUpdate(UPDATE_EMPTY);
      golden('update-empty.bin', empty);
      expect(empty.length).toBe(24);
      expect(decodeUpdate(empty)).toEqual(UPDATE_EMPTY);
      const pos = encodePositions(POSITIONS);
      golden('positions.bin', pos);
      const decoded = decodePositions(pos);
      const id = new DataView(pos.buffer).getUint32(pos.length - 4, true);
      expect(decoded).toEqual({ ...POSITIONS, id });
      const aligned = encodeAligned(ALIGNED(id));
      golden('aligned.bin', aligned);
      expect(decodeAligned(aligned)).toEqual(ALIGNED(id));
    });
  });
});

test('each layer takes the smaller index coding (bitmap on ties)', () => {
  const at = (u: Update, layer: number): number => {
    // Walk to the layer's coding byte with the documented layout.
    const b = encodeUpdate(u);
    let o = 20;
    const varint = (): number => {
      let v = 0;
      for (let s = 0; ; s += 7) {
        const x = b[o++];
        v += (x & 0x7f) * 2 ** s;
        if (x < 0x80) return v;
      }
    };
    for (let i = 0; ; i++) {
      const nameLength = varint();
      o += nameLength;
      const rank = b[o++];
      for (let d = 0; d < rank; d++) varint();
      const coding = b[o++];
      if (i === layer) return coding;
      const count = varint();
      throw new Error(`only layer 0 is read here (count ${count})`);
    }
  };
  const one = (n: number, indices: Uint32Array): Update => ({
    round: 0,
    layers: [{ name: 'x', shape: [n], indices, values: new Float32Array(indices.length).fill(1) }],
  });
  expect(at(one(80000, subset(80000, 0.3, 1)), 0)).toBe(0); // 30% kept: bitmap (n/8 bytes < one byte per index)
  expect(at(one(80000, subset(80000, 0.09, 1)), 0)).toBe(1); // 9% kept: delta varints (mostly 1 byte each)
  expect(at(one(8, Uint32Array.of(3)), 0)).toBe(0); // 1 byte each: bitmap
  expect(at(one(0, new Uint32Array(0)), 0)).toBe(0);
});

const arbUpdate: fc.Arbitrary<Update> = fc
  .array(
    fc.record({
      shape: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
      density: fc.double({ min: 0, max: 1, noNaN: true }),
      seed: fc.nat(),
      name: fc.string({ maxLength: 12 }),
    }),
    { maxLength: 5 },
  )
  .map((specs) => ({
    round: specs.length * 1000,
    layers: specs.map((s, i) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const indices = subset(n, s.density, s.seed);
      const values = Float32Array.from(indices, (x) => Math.fround((x % 7) - 3.5) * 1e-3 * (s.seed % 5));
      return { name: `${i}:${s.name}`, shape: s.shape, indices, values };
    }),
  }));

test('round trip (200 random updates) and identical bytes on every backend', () => {
  fc.assert(
    fc.property(arbUpdate, (u) => {
      const encoded = BACKENDS.map((b) => onBackend(b, () => encodeUpdate(u)));
      encoded.forEach((e) => expect(bytesEqual(e, encoded[0])).toBe(true));
      BACKENDS.forEach((b) => onBackend(b, () => expect(decodeUpdate(encoded[0])).toEqual(u)));
    }),
    { numRuns: 200, seed: 42 },
  );
});

test('a realistic layer round-trips on every backend (bitmap and delta, 1e5 elements)', () => {
  for (const density of [0.09, 0.005]) {
    const n = 100000;
    const indices = subset(n, density, 9);
    const values = Float32Array.from(indices, (i) => Math.sin(i) * 1e-3);
    const u: Update = { round: 1, layers: [{ name: 'conv', shape: [10, 10, 1000], indices, values }] };
    const bytes = BACKENDS.map((b) => onBackend(b, () => encodeUpdate(u)));
    expect(bytesEqual(bytes[0], bytes[bytes.length - 1])).toBe(true);
    BACKENDS.forEach((b) => onBackend(b, () => expect(decodeUpdate(bytes[0])).toEqual(u)));
  }
});

describe('encoder validation names the layer and the value', () => {
  const base = (): Update => ({ round: 1, layers: [{ name: 'w', shape: [10], indices: Uint32Array.of(1, 4), values: Float32Array.of(1, 2) }] });
  test.each(BACKENDS)('%s', (backend) =>
    onBackend(backend, () => {
      const u = base();
      u.layers[0].indices = Uint32Array.of(4, 4);
      expect(() => encodeUpdate(u)).toThrow(/layers\[0\] \('w'\): indices\[1\] = 4 is not greater than indices\[0\] = 4/);
      u.layers[0].indices = Uint32Array.of(1, 10);
      expect(() => encodeUpdate(u)).toThrow(/indices\[1\] = 10 is >= the layer size 10/);
      u.layers[0].indices = Uint32Array.of(1, 4);
      u.layers[0].values = Float32Array.of(1, NaN);
      expect(() => encodeUpdate(u)).toThrow(/\('w'\): values\[1\] is NaN/);
      u.layers[0].values = Float32Array.of(1);
      expect(() => encodeUpdate(u)).toThrow(/values has 1 entries but indices has 2/);
      expect(() => encodeUpdate({ ...base(), round: -1 })).toThrow(/round must be an integer in \[0, 2\^32-1\], got -1/);
      expect(() => encodeUpdate({ round: 0, layers: [base().layers[0], base().layers[0]] })).toThrow(/'w' appears twice/);
      expect(() => encodeUpdate({ round: 0, layers: [{ ...base().layers[0], shape: [70000, 70000] }] })).toThrow(/4900000000 elements/);
      expect(() => encodeUpdate({ round: 0, layers: [{ ...base().layers[0], name: 'x'.repeat(1025) }] })).toThrow(/1025 UTF-8 bytes/);
      expect(() => encodeUpdate({ round: 0, layers: [{ ...base().layers[0], indices: [1, 4] as unknown as Uint32Array }] })).toThrow(TypeError);
      expect(() => encodeUpdate(null as unknown as Update)).toThrow(TypeError);
      expect(() => encodeAligned({ round: 0, positionsId: -2, layers: [] })).toThrow(/positionsId must be a u32/);
      expect(() => decodeUpdate([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
    }),
  );
});
