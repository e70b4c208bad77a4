/**
 * Small package-allocated outputs share a pooled ArrayBuffer across calls (src/select.ts): no
 * two live outputs overlap, results stay exact, and a caller transferring a pooled buffer away
 * does not break later calls.
 */
import { selectLayers } from '../../src';
import { CPU_BACKENDS } from '../helpers/backends';
import { referenceCodes } from '../helpers/reference';

const values = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i * 1.7) * (i + 1));

test.each(CPU_BACKENDS)('outputs of successive small calls never overlap and stay exact (%s)', (backend) => {
  const expected = referenceCodes(values, 3, 60);
  const byBuffer = new Map<ArrayBufferLike, Array<[number, number]>>();
  const all: Uint8Array[] = [];
  let problems = 0;
  for (let call = 0; call < 100; call++) {
    const [r] = selectLayers([{ values, kTop: 3, kBottom: 60 }], { codes: true, pruned: true, sparse: true }, 'test', backend);
    for (const v of [r.codes!, r.pruned!, r.keptIndices!, r.keptValues!]) {
      const ranges = byBuffer.get(v.buffer) ?? [];
      const [start, end] = [v.byteOffset, v.byteOffset + v.byteLength];
      if (start % 8 !== 0 || ranges.some(([s, e]) => start < e && s < end)) problems++;
      ranges.push([start, end]);
      byBuffer.set(v.buffer, ranges);
    }
    all.push(r.codes!);
  }
  expect(problems).toBe(0);
  expect(byBuffer.size).toBeGreaterThan(1); // the pool was refilled
  for (const c of all) expect(Array.from(c)).toEqual(Array.from(expected)); // nothing overwrote an earlier output
});

test.each(CPU_BACKENDS)('transferring a pooled output buffer away leaves later calls working (%s)', (backend) => {
  const codes = selectLayers([{ values, kTop: 1, kBottom: 80 }], { codes: true }, 'test', backend)[0].codes!;
  structuredClone(codes, { transfer: [codes.buffer as ArrayBuffer] }); // detaches the pool slab
  expect(codes.length).toBe(0);
  const again = selectLayers([{ values, kTop: 1, kBottom: 80 }], { codes: true }, 'test', backend)[0].codes!;
  expect(Array.from(again)).toEqual(Array.from(referenceCodes(values, 1, 80)));
});
