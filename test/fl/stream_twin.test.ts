/**
 * The streaming kernels of every backend (native/wire/stream_aggregate.cc via the addon and
 * compiled into the wasm module, src/backends/ts/stream.ts) agree on every outcome: for valid
 * messages and thousands of hostile ones (every truncation, every bit flip, byte overwrites, all
 * resealed so they reach the layer parser), each returns the same code, layer, byte offset and
 * details as the TypeScript twin, leaves bit-identical sums, and a rejected message leaves them
 * untouched.
 */
import { Aggregator, encodeAligned, encodeUpdate } from '../../src/fl';
import * as ts from '../../src/backends/ts/wire';
import { layerMeta } from '../../src/fl/partial';
import { kernelsOf } from '../../src/backend';
import { streamHead } from '../../src/surface/stream';
import { KIND_ALIGNED, KIND_UPDATE } from '../../src/surface/format';
import { OUT_SLOTS, StreamSpec } from '../../src/surface/stream';
import { wasmExports } from '../../src/backends/wasm/module';
import { RESIDENT_CAP_BYTES, ResidentSums, residentSumsBytes } from '../../src/backends/wasm/stream';
import { BACKENDS, rng, subset } from './helpers';

const OTHERS = BACKENDS.filter((b) => b !== 'ts');

function reseal(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  if (b.length < 24) return b;
  const v = new DataView(b.buffer);
  v.setUint32(8, b.length, true);
  v.setUint32(b.length - 4, ts.crc32(b, 0, b.length - 4), true);
  return b;
}

function spec(of: number, round: number, positionsId: number, layers: Array<[string, number[] | number]>): StreamSpec {
  const metas = layers.map(([name, s]) => layerMeta(name, s));
  const layout = new Uint8Array(metas.reduce((t, m) => t + m.length, 0));
  metas.reduce((o, m) => (layout.set(m, o), o + m.length), 0);
  const total = layers.reduce((t, [, s]) => t + (typeof s === 'number' ? s : s.reduce((a, b) => a * b, 1)), 0);
  return { of, round, positionsId, layout, layerCount: layers.length, total };
}

/** Every variant of a valid message that reaches the parser. */
function hostile(m: Uint8Array, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [m];
  for (let len = 0; len < m.length; len++) out.push(m.subarray(0, len), reseal(m.subarray(0, Math.max(len, 24))));
  for (let bit = 0; bit < m.length * 8; bit++) {
    const b = m.slice();
    b[bit >> 3] ^= 1 << (bit & 7);
    out.push(b, reseal(b));
  }
  const r = rng(seed);
  for (let i = 0; i < 500; i++) {
    const b = m.slice();
    b[20 + Math.floor(r() * (m.length - 24))] = [0, 0x7f, 0x80, 0xff, 0x0f, 0x10, 0x01][Math.floor(r() * 7)];
    out.push(reseal(b));
  }
  return out;
}

describe.each(OTHERS)('streaming kernels: %s and the TypeScript twin agree on every outcome', (backend) => {
  test.each([
    ['update', KIND_UPDATE],
    ['aligned', KIND_ALIGNED],
  ] as const)('%s messages: same code, details and sums', (_, of) => {
    const layers: Array<[string, number[]]> = [['k', [3, 5]], ['b', [20]], ['s', []]];
    const idx = layers.map(([, shape], i) => subset(shape.reduce((a, b) => a * b, 1), [0.5, 0.1, 1][i], i + 3));
    const values = idx.map((ix, i) => Float32Array.from(ix, (_v, j) => (j % 7) - 3 + i * 0.25));
    const msg =
      of === KIND_UPDATE
        ? encodeUpdate({ round: 4, layers: layers.map(([name, shape], i) => ({ name, shape, indices: idx[i], values: values[i] })) })
        : encodeAligned({ round: 4, positionsId: 0xabcdef01, layers: layers.map(([name], i) => ({ name, values: values[i] })) });
    const sp = of === KIND_UPDATE ? spec(of, 4, 0, layers) : spec(of, 4, 0xabcdef01, layers.map(([name], i) => [name, idx[i].length]));
    const other = kernelsOf(backend).kernels;
    const tsk = kernelsOf('ts').kernels;
    const head = streamHead(sp);
    let accepted = 0;
    const cases = hostile(msg, of);
    for (const m of cases) {
      const accN = new Float64Array(sp.total).fill(0.5);
      const accT = accN.slice();
      const outN = new Float64Array(OUT_SLOTS);
      const outT = new Float64Array(OUT_SLOTS);
      const cN = other.streamAdd(m, sp.layout, head, 1.25, accN, outN);
      const cT = tsk.streamAdd(m, sp.layout, head, 1.25, accT, outT);
      expect([cT, ...outT.subarray(0, 5)]).toEqual([cN, ...outN.subarray(0, 5)]);
      expect(Buffer.from(accT.buffer).equals(Buffer.from(accN.buffer))).toBe(true);
      if (cN === 0) accepted++;
      else expect(accN.every((x) => x === 0.5)).toBe(true);
    }
    expect(accepted).toBeGreaterThan(1);
    expect(cases.length).toBeGreaterThan(1000);
  });

  test('partial aggregates: same code, details, clients, weight and sums', () => {
    const layout = [{ name: 'b', shape: [6] }, { name: 's', shape: [] }];
    const agg = new Aggregator({ maxElements: 100, layout });
    agg.add(encodeUpdate({ round: 2, layers: [
      { name: 'b', shape: [6], indices: Uint32Array.of(0, 4), values: Float32Array.of(1.5, -3) },
      { name: 's', shape: [], indices: Uint32Array.of(0), values: Float32Array.of(0.25) },
    ] }), 3);
    const sp = spec(KIND_UPDATE, 2, 0, layout.map((l) => [l.name, l.shape] as [string, number[]]));
    const other = kernelsOf(backend).kernels;
    const tsk = kernelsOf('ts').kernels;
    const head = streamHead(sp);
    let accepted = 0;
    for (const m of hostile(agg.encodePartial(), 9)) {
      const accN = new Float64Array(sp.total).fill(0.5);
      const accT = accN.slice();
      const outN = new Float64Array(OUT_SLOTS);
      const outT = new Float64Array(OUT_SLOTS);
      const cN = other.partialMerge(m, sp.layout, head, accN, outN);
      const cT = tsk.partialMerge(m, sp.layout, head, accT, outT);
      expect([cT, ...outT]).toEqual([cN, ...outN]);
      expect(Buffer.from(accT.buffer).equals(Buffer.from(accN.buffer))).toBe(true);
      if (cN === 0) accepted++;
      else expect(accN.every((x) => x === 0.5)).toBe(true);
    }
    expect(accepted).toBeGreaterThan(1);
  });
});

describe.each(BACKENDS)('streaming kernels on %s: argument checks and memory', (backend) => {
  const sp = spec(KIND_UPDATE, 1, 0, [['w', [8]]]);
  const msg = encodeUpdate({ round: 1, layers: [{ name: 'w', shape: [8], indices: Uint32Array.of(2, 5), values: Float32Array.of(1, 2) }] });

  test('bad arguments are TypeError / RangeError naming the argument, before any work', () => {
    const k = kernelsOf(backend).kernels;
    const head = streamHead(sp);
    const acc = new Float64Array(8);
    const out = new Float64Array(OUT_SLOTS);
    const call = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(call(() => k.streamAdd(msg, sp.layout, head, 1, new Float64Array(7), out))).toMatch(/^RangeError: streamAdd: acc has 7 elements, the layout needs 8/);
    expect(call(() => k.streamAdd(msg, sp.layout, head, 1, acc, new Float64Array(6)))).toMatch(/^RangeError: streamAdd: out must have 7 entries/);
    expect(call(() => k.streamAdd(msg, sp.layout, Float64Array.of(1, 1, 0, 1), 1, acc, out))).toMatch(/^RangeError: streamAdd: head must have 5 entries/);
    expect(call(() => k.streamAdd(msg, sp.layout, Float64Array.of(1, 0.5, 0, 1, 8), 1, acc, out))).toMatch(/^RangeError: streamAdd: head\[1\] must be an integer/);
    expect(call(() => k.streamAdd(msg, new Float64Array(2) as never, head, 1, acc, out))).toMatch(/^TypeError: streamAdd: layout must be a Uint8Array/);
    expect(call(() => k.partialMerge(msg, sp.layout, head, new Float32Array(8) as never, out))).toMatch(/^TypeError: partialMerge: acc must be a Float64Array/);
    expect(acc.every((x) => x === 0)).toBe(true);
  });

  test('many calls, accepted and rejected, leave the right sums and (wasm) do not grow the module', async () => {
    // 2^17 sums (1 MiB) per call: 400 calls that kept their block would grow the memory by 400 MiB.
    const n = 1 << 17;
    const big = spec(KIND_UPDATE, 1, 0, [['w', [n]]]);
    const good = encodeUpdate({ round: 1, layers: [{ name: 'w', shape: [n], indices: Uint32Array.of(2, n - 1), values: Float32Array.of(1, 2) }] });
    const bad = good.slice();
    bad[bad.length - 1] ^= 1; // CRC
    const k = kernelsOf(backend).kernels;
    const head = streamHead(big);
    const acc = new Float64Array(n);
    const out = new Float64Array(OUT_SLOTS);
    expect(k.streamAdd(good, big.layout, head, 1, acc, out)).toBe(0);
    const size = wasmExports()!.memory.buffer.byteLength;
    for (let i = 0; i < 200; i++) {
      expect(k.streamAdd(bad, big.layout, head, 1, acc, out)).toBe(-26);
      expect(await k.streamAddAsync(good, big.layout, head, 0.5, acc, out)).toBe(0);
    }
    expect([acc[2], acc[n - 1], acc.reduce((t, x) => t + x, 0)]).toEqual([101, 202, 303]);
    expect(wasmExports()!.memory.buffer.byteLength).toBe(size);
  });
});

test('wasm resident sums: zeroed, used in place, counted against a cap past which the caller keeps plain sums', () => {
  const before = residentSumsBytes();
  const sums = ResidentSums.create(1000)!;
  expect(residentSumsBytes()).toBe(before + 8000);
  expect(sums.values.buffer).toBe(wasmExports()!.memory.buffer);
  expect(sums.values.every((x) => x === 0)).toBe(true);
  expect(ResidentSums.create((RESIDENT_CAP_BYTES - residentSumsBytes()) / 8 + 1)).toBeNull();
  const sp = spec(KIND_UPDATE, 1, 0, [['w', [1000]]]);
  const msg = encodeUpdate({ round: 1, layers: [{ name: 'w', shape: [1000], indices: Uint32Array.of(7, 999), values: Float32Array.of(1.5, -2) }] });
  const out = new Float64Array(OUT_SLOTS);
  expect(kernelsOf('wasm').kernels.streamAdd(msg, sp.layout, streamHead(sp), 2, sums.values, out)).toBe(0);
  expect([sums.values[7], sums.values[999], sums.values.reduce((t, x) => t + x, 0)]).toEqual([3, -4, -1]);
});
