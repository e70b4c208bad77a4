/**
 * The C++ FL kernels (native/wire), through the addon and through the WebAssembly module, agree
 * bit for bit with their TypeScript twins (kernels_ts).
 */
import { nativeBinding } from '../../src/backend';
import { nativeFlAvailable } from '../../src/fl/kernels';
import * as ts from '../../src/fl/kernels_ts';
import type { NativeWireBinding } from '../../src/native/binding';
import { wasmFlKernels as k } from '../../src/wasm/kernels';
import { expectThrowName, gradient, rng, sameBits, subset } from './helpers';

const native = nativeFlAvailable() ? (nativeBinding() as unknown as NativeWireBinding) : null;

/** The wasm kernels under the addon's names, so one suite checks both. */
const wasm: NativeWireBinding = {
  wireCrc32: k.crc32,
  wireDeltaSize: k.deltaSize,
  wireWriteIndices: k.writeIndices,
  wireReadIndices: k.readIndices,
  wireReadValues: k.readValues,
  wireFirstNonFinite: k.firstNonFinite,
  wireScatter: k.scatter,
  wireAxpy: k.axpy,
  wireAdd: k.add,
  wireMemoryUpdate: k.memoryUpdate,
  wireAlignedGather: k.alignedGather,
};
const twins: Array<[string, NativeWireBinding]> = native ? [['native', native], ['wasm', wasm]] : [['wasm', wasm]];

test('CRC-32 check value (IEEE): crc32("123456789") = 0xCBF43926', () => {
  const b = new TextEncoder().encode('123456789');
  expect(ts.crc32(b, 0, b.length)).toBe(0xcbf43926);
  if (native) expect(native.wireCrc32(b, 0, b.length)).toBe(0xcbf43926);
  expect(wasm.wireCrc32(b, 0, b.length)).toBe(0xcbf43926);
  expect(ts.crc32(new Uint8Array(0), 0, 0)).toBe(0);
});

test('the loaded addon carries the FL kernels (a stale build would silently run TypeScript)', () => {
  if (nativeBinding()) expect(nativeFlAvailable()).toBe(true);
});

describe.each(twins)('%s and TypeScript kernels agree', (_name, w) => {
  const r = rng(7);

  test('crc32 on random lengths and offsets', () => {
    for (let t = 0; t < 50; t++) {
      const b = new Uint8Array(Math.floor(r() * 3000));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
      const s = Math.floor(r() * b.length);
      expect(w.wireCrc32(b, s, b.length)).toBe(ts.crc32(b, s, b.length));
    }
  });

  test('index coding: sizes, bytes and decoded indices', () => {
    for (const [n, density] of [[0, 0], [1, 1], [7, 0.5], [1000, 0.01], [1000, 0.5], [100000, 0.09], [70000, 0.0003]] as const) {
      const idx = subset(n, density, n + 3);
      expect(w.wireDeltaSize(idx, n)).toBe(ts.deltaSize(idx, n));
      for (const coding of [0, 1]) {
        const size = coding === 0 ? Math.ceil(n / 8) : ts.deltaSize(idx, n);
        const a = new Uint8Array(size + 3);
        const b = new Uint8Array(size + 3);
        expect(w.wireWriteIndices(a, 3, idx, n, coding)).toBe(3 + size);
        expect(ts.writeIndices(b, 3, idx, n, coding)).toBe(3 + size);
        expect(a).toEqual(b);
        const back1 = new Uint32Array(idx.length);
        const back2 = new Uint32Array(idx.length);
        expect(w.wireReadIndices(a, 3, a.length, coding, n, back1)).toBe(3 + size);
        expect(ts.readIndices(a, 3, a.length, coding, n, back2)).toBe(3 + size);
        expect(back1).toEqual(idx);
        expect(back2).toEqual(idx);
      }
    }
  });

  test('bad indices are refused the same way', () => {
    const n = 100;
    for (const bad of [Uint32Array.of(5, 5), Uint32Array.of(9, 3), Uint32Array.of(100)]) {
      expect(w.wireDeltaSize(bad, n)).toBe(ts.deltaSize(bad, n));
      expect(w.wireWriteIndices(new Uint8Array(64), 0, bad, n, 1)).toBe(-1);
      expect(ts.writeIndices(new Uint8Array(64), 0, bad, n, 1)).toBe(-1);
    }
    expect(w.wireWriteIndices(new Uint8Array(4), 0, Uint32Array.of(1), 100, 0)).toBe(-1); // no room for 13 bytes
  });

  test('scatter (set and weighted add), axpy, add, memoryUpdate, alignedGather', () => {
    const n = 5000;
    const p = gradient(n, 1);
    const e = gradient(n, 2);
    const idx = subset(n, 0.1, 3);
    const v = gradient(idx.length, 4);
    for (const [weight, add] of [[1, false], [1, true], [0.3, true], [1 / 3, true]] as const) {
      const a = gradient(n, 5);
      const b = a.slice();
      expect(w.wireScatter(a, idx, v, weight, add)).toBe(-1);
      expect(ts.scatter(b, idx, v, weight, add)).toBe(-1);
      expect(sameBits(a, b)).toBe(true);
    }
    expect(w.wireScatter(new Float32Array(3), Uint32Array.of(1, 3), Float32Array.of(1, 2), 1, true)).toBe(1);
    expect(ts.scatter(new Float32Array(3), Uint32Array.of(1, 3), Float32Array.of(1, 2), 1, true)).toBe(1);
    const acc1 = gradient(n, 6);
    const acc2 = acc1.slice();
    w.wireAxpy(acc1, p, Math.fround(0.7));
    ts.axpy(acc2, p, Math.fround(0.7));
    expect(sameBits(acc1, acc2)).toBe(true);
    const s1 = new Float32Array(n);
    const s2 = new Float32Array(n);
    w.wireAdd(p, e, s1);
    ts.add(p, e, s2);
    expect(sameBits(s1, s2)).toBe(true);
    for (let i = 0; i < n; i++) expect(s2[i]).toBe(Math.fround(p[i] + e[i]));
    const codes = new Uint8Array(n).map(() => Math.floor(r() * 3));
    for (const mode of [0, 1, 2]) {
      const m1 = new Float32Array(n).fill(9);
      const m2 = new Float32Array(n).fill(9);
      w.wireMemoryUpdate(p, codes, mode, m1);
      ts.memoryUpdate(p, codes, mode, m2);
      expect(sameBits(m1, m2)).toBe(true);
    }
    const c1 = codes.slice();
    const c2 = codes.slice();
    const g1 = new Float32Array(idx.length);
    const g2 = new Float32Array(idx.length);
    expect(w.wireAlignedGather(p, c1, idx, g1)).toBe(-1);
    expect(ts.alignedGather(p, c2, idx, g2)).toBe(-1);
    expect(c1).toEqual(c2);
    expect(sameBits(g1, g2)).toBe(true);
  });

  test('the glue refuses lengths that do not fit (no out-of-bounds access)', () => {
    const b = new Uint8Array(10);
    expectThrowName(() => w.wireCrc32(b, 0, 11), 'RangeError');
    expectThrowName(() => w.wireReadIndices(b, 8, 20, 0, 8, new Uint32Array(1)), 'RangeError');
    expectThrowName(() => w.wireReadValues(b, 4, new Float32Array(2)), 'RangeError');
    expectThrowName(() => w.wireAdd(new Float32Array(2), new Float32Array(3), new Float32Array(2)), 'RangeError');
    expectThrowName(() => w.wireScatter(new Float32Array(2), new Uint32Array(2), new Float32Array(1), 1, true), 'RangeError');
    expectThrowName(() => w.wireCrc32(new Float32Array(2) as unknown as Uint8Array, 0, 1), 'TypeError');
    expectThrowName(() => w.wireWriteIndices(b, 11, new Uint32Array(0), 0, 0), 'RangeError');
  });
});
