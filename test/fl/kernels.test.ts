/**
 * The wire and FL kernels of the surface (src/surface/kernels.ts): the addon's (native/wire) and
 * the WebAssembly module's (the same C++) agree bit for bit with the TypeScript twins
 * (src/backends/ts/wire.ts).
 */
import { backendInfo, nativeBinding } from '../../src/backend';
import { Kernels, KERNEL_NAMES, missingKernels } from '../../src/surface/kernels';
import { tsKernels as ts } from '../../src/backends/ts/kernels';
import { wasmKernels as wasm } from '../../src/backends/wasm/kernels';
import { expectThrowName, gradient, rng, sameBits, subset } from './helpers';

const native: Kernels | null = backendInfo().available.native ? nativeBinding() : null;
const twins: Array<[string, Kernels]> = native ? [['native', native], ['wasm', wasm]] : [['wasm', wasm]];

test('CRC-32 check value (IEEE): crc32("123456789") = 0xCBF43926', () => {
  const b = new TextEncoder().encode('123456789');
  expect(ts.crc32(b, 0, b.length)).toBe(0xcbf43926);
  if (native) expect(native.crc32(b, 0, b.length)).toBe(0xcbf43926);
  expect(wasm.crc32(b, 0, b.length)).toBe(0xcbf43926);
  expect(ts.crc32(new Uint8Array(0), 0, 0)).toBe(0);
});

test('every implementation carries every kernel of the surface (a stale addon is refused, not half used)', () => {
  expect(missingKernels(ts)).toEqual([]);
  expect(missingKernels(wasm)).toEqual([]);
  if (nativeBinding()) expect(missingKernels(nativeBinding()!)).toEqual([]);
  expect(missingKernels({ crc32: () => 0 })).toEqual(KERNEL_NAMES.filter((k) => k !== 'crc32'));
});

describe.each(twins)('%s and TypeScript kernels agree', (_name, w) => {
  const r = rng(7);

  test('crc32 on random lengths and offsets', () => {
    for (let t = 0; t < 50; t++) {
      const b = new Uint8Array(Math.floor(r() * 3000));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
      const s = Math.floor(r() * b.length);
      expect(w.crc32(b, s, b.length)).toBe(ts.crc32(b, s, b.length));
    }
  });

  test('index coding: sizes, bytes and decoded indices', () => {
    for (const [n, density] of [[0, 0], [1, 1], [7, 0.5], [1000, 0.01], [1000, 0.5], [100000, 0.09], [70000, 0.0003]] as const) {
      const idx = subset(n, density, n + 3);
      expect(w.deltaSize(idx, n)).toBe(ts.deltaSize(idx, n));
      for (const coding of [0, 1]) {
        const size = coding === 0 ? Math.ceil(n / 8) : ts.deltaSize(idx, n);
        const a = new Uint8Array(size + 3);
        const b = new Uint8Array(size + 3);
        expect(w.writeIndices(a, 3, idx, n, coding)).toBe(3 + size);
        expect(ts.writeIndices(b, 3, idx, n, coding)).toBe(3 + size);
        expect(a).toEqual(b);
        const back1 = new Uint32Array(idx.length);
        const back2 = new Uint32Array(idx.length);
        expect(w.readIndices(a, 3, a.length, coding, n, back1, new Float64Array(1))).toBe(3 + size);
        expect(ts.readIndices(a, 3, a.length, coding, n, back2, new Float64Array(1))).toBe(3 + size);
        expect(back1).toEqual(idx);
        expect(back2).toEqual(idx);
      }
    }
  });

  test('bad indices are refused the same way', () => {
    const n = 100;
    for (const bad of [Uint32Array.of(5, 5), Uint32Array.of(9, 3), Uint32Array.of(100)]) {
      expect(w.deltaSize(bad, n)).toBe(ts.deltaSize(bad, n));
      expect(w.writeIndices(new Uint8Array(64), 0, bad, n, 1)).toBe(-1);
      expect(ts.writeIndices(new Uint8Array(64), 0, bad, n, 1)).toBe(-1);
    }
    expect(w.writeIndices(new Uint8Array(4), 0, Uint32Array.of(1), 100, 0)).toBe(-1); // no room for 13 bytes
  });

  test('malformed index blocks: the same status and the same problem position', () => {
    const statuses = new Set<number>();
    for (let t = 0; t < 400; t++) {
      const bytes = new Uint8Array(1 + Math.floor(r() * 24)).map(() => (r() < 0.3 ? 0 : Math.floor(r() * 256)));
      const n = Math.floor(r() * 80);
      const count = Math.floor(r() * 12);
      const coding = t % 10 === 0 ? 2 : t % 2;
      const o1 = new Uint32Array(count);
      const o2 = new Uint32Array(count);
      const at1 = new Float64Array(1);
      const at2 = new Float64Array(1);
      const e1 = w.readIndices(bytes, 0, bytes.length, coding, n, o1, at1);
      const e2 = ts.readIndices(bytes, 0, bytes.length, coding, n, o2, at2);
      expect(e1).toBe(e2);
      if (e1 < 0) expect(at1[0]).toBe(at2[0]);
      else expect(o1).toEqual(o2);
      statuses.add(e1 < 0 ? e1 : 0);
    }
    expect(statuses.size).toBeGreaterThanOrEqual(5); // the inputs reach most of the statuses
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
      expect(w.scatter(a, idx, v, weight, add)).toBe(-1);
      expect(ts.scatter(b, idx, v, weight, add)).toBe(-1);
      expect(sameBits(a, b)).toBe(true);
    }
    expect(w.scatter(new Float32Array(3), Uint32Array.of(1, 3), Float32Array.of(1, 2), 1, true)).toBe(1);
    expect(ts.scatter(new Float32Array(3), Uint32Array.of(1, 3), Float32Array.of(1, 2), 1, true)).toBe(1);
    const acc1 = gradient(n, 6);
    const acc2 = acc1.slice();
    w.axpy(acc1, p, Math.fround(0.7));
    ts.axpy(acc2, p, Math.fround(0.7));
    expect(sameBits(acc1, acc2)).toBe(true);
    const s1 = new Float32Array(n);
    const s2 = new Float32Array(n);
    w.add(p, e, s1);
    ts.add(p, e, s2);
    expect(sameBits(s1, s2)).toBe(true);
    for (let i = 0; i < n; i++) expect(s2[i]).toBe(Math.fround(p[i] + e[i]));
    const codes = new Uint8Array(n).map(() => Math.floor(r() * 3));
    for (const mode of [0, 1, 2]) {
      const m1 = new Float32Array(n).fill(9);
      const m2 = new Float32Array(n).fill(9);
      w.memoryUpdate(p, codes, mode, m1);
      ts.memoryUpdate(p, codes, mode, m2);
      expect(sameBits(m1, m2)).toBe(true);
    }
    const c1 = codes.slice();
    const c2 = codes.slice();
    const g1 = new Float32Array(idx.length);
    const g2 = new Float32Array(idx.length);
    expect(w.alignedGather(p, c1, idx, g1)).toBe(-1);
    expect(ts.alignedGather(p, c2, idx, g2)).toBe(-1);
    expect(c1).toEqual(c2);
    expect(sameBits(g1, g2)).toBe(true);
  });

  test('the glue refuses lengths that do not fit (no out-of-bounds access)', () => {
    const b = new Uint8Array(10);
    expectThrowName(() => w.crc32(b, 0, 11), 'RangeError');
    expectThrowName(() => w.readIndices(b, 8, 20, 0, 8, new Uint32Array(1), new Float64Array(1)), 'RangeError');
    expectThrowName(() => w.readValues(b, 4, new Float32Array(2)), 'RangeError');
    expectThrowName(() => w.add(new Float32Array(2), new Float32Array(3), new Float32Array(2)), 'RangeError');
    expectThrowName(() => w.scatter(new Float32Array(2), new Uint32Array(2), new Float32Array(1), 1, true), 'RangeError');
    expectThrowName(() => w.crc32(new Float32Array(2) as unknown as Uint8Array, 0, 1), 'TypeError');
    expectThrowName(() => w.writeIndices(b, 11, new Uint32Array(0), 0, 0), 'RangeError');
  });
});
