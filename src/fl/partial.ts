/**
 * Partial aggregates (kind 4, docs/FORMAT.md "Partial aggregate"): the float64 running sums of an
 * Aggregator with its total weight, client count and layout, CRC-checked, so aggregation can be
 * split across workers, processes or hosts and merged as a tree. Also the layer-metadata bytes
 * the streaming kernels compare message layers against.
 */
import { nameBytes } from '../layers';
import { readTyped } from '../read';
import { DgpFormatError } from './errors';
import { crc32 } from '../backends/ts/wire';
import { getU32, putU32, putVarint, Reader, varintLength } from './codec';
import { CRC_BYTES, FORMAT_VERSION, HEADER_BYTES, hex32, MAGIC } from '../surface/format';
import { KIND_ALIGNED, KIND_PARTIAL, KIND_UPDATE, PARTIAL_EXTRA_BYTES } from '../surface/format';

/** One layer of a stream layout: its metadata bytes as messages carry them, and its size. */
export interface StreamLayer {
  name: string;
  /** Dense shape (update sums); null for aligned sums, which live on positions. */
  shape: number[] | null;
  /** Number of sums: the dense size, or the positions' count. */
  n: number;
  meta: Uint8Array;
}

/** nameLength varint, name, then rank u8 + dims varints (update) or count varint (aligned). */
export function layerMeta(name: string, shapeOrCount: number[] | number): Uint8Array {
  const nb = nameBytes(name, 'layerMeta');
  const tail = typeof shapeOrCount === 'number' ? [shapeOrCount] : shapeOrCount;
  const size = varintLength(nb.length) + nb.length + (typeof shapeOrCount === 'number' ? 0 : 1) + tail.reduce((s, d) => s + varintLength(d), 0);
  const out = new Uint8Array(size);
  let o = putVarint(out, 0, nb.length);
  out.set(nb, o);
  o += nb.length;
  if (typeof shapeOrCount !== 'number') out[o++] = shapeOrCount.length;
  for (const d of tail) o = putVarint(out, o, d);
  return out;
}

/** A decoded partial aggregate (decodePartial). */
export interface PartialAggregate {
  round: number;
  /** What was summed: plain updates, or ADGP aligned uploads. */
  of: 'update' | 'aligned';
  /** The positions' id (aligned), else 0. */
  positionsId: number;
  clients: number;
  totalWeight: number;
  /** Per layer the float64 sums Σ weight·value (dense, or on the positions for 'aligned'). */
  layers: Array<{ name: string; shape: number[] | null; sums: Float64Array }>;
}

/** Header fields and layout of a partial, read bounds-checked; sums are located, not copied. */
export interface PartialLayout {
  round: number;
  of: number;
  positionsId: number;
  clients: number;
  totalWeight: number;
  layers: Array<StreamLayer & { sumsAt: number }>;
}

/** Parses a partial's header and layer metadata, checking everything but the sums' values. */
export function readPartialLayout(input: unknown, caller: string): PartialLayout {
  const bytes = readTyped(input, Uint8Array, `${caller}: bytes`); // a Proxy of one is refused
  const len = bytes.length;
  const min = HEADER_BYTES + PARTIAL_EXTRA_BYTES + CRC_BYTES;
  const fail = (msg: string): never => {
    throw new DgpFormatError(`${caller}: ${msg}`);
  };
  if (len < 4 || MAGIC.some((m, i) => bytes[i] !== m)) {
    if (len < 4) fail(`truncated: ${len} bytes, a partial aggregate needs at least ${min}`);
    fail(`not a tfjs-dgp message: magic is ${hex32(getU32(bytes, 0))}, expected 'DGPW'`);
  }
  if (len < min) fail(`truncated: ${len} bytes, a partial aggregate needs at least ${min}`);
  if (bytes[4] !== FORMAT_VERSION) fail(`unsupported format version ${bytes[4]} (this decoder reads version ${FORMAT_VERSION})`);
  if (bytes[5] !== KIND_PARTIAL) fail(`expected kind ${KIND_PARTIAL} (partial aggregate), got kind ${bytes[5]}`);
  if (bytes[6] !== 0 || bytes[7] !== 0) fail(`reserved header bytes 6-7 must be 0, got ${bytes[6]}, ${bytes[7]}`);
  const declared = getU32(bytes, 8);
  if (declared !== len) fail(`length mismatch: the header says ${declared} bytes, got ${len} (${declared > len ? 'truncated' : 'trailing bytes'})`);
  const stored = getU32(bytes, len - CRC_BYTES);
  const crc = crc32(bytes, 0, len - CRC_BYTES);
  if (stored !== crc) fail(`CRC-32 mismatch: stored ${hex32(stored)}, computed ${hex32(crc)} (corrupted message)`);
  const of = bytes[20];
  if (of !== KIND_UPDATE && of !== KIND_ALIGNED) fail(`partial of kind ${of}: only 1 (updates) or 3 (aligned values) can be summed`);
  if (bytes[21] !== 0 || bytes[22] !== 0 || bytes[23] !== 0) fail(`reserved partial header bytes 21-23 must be 0`);
  const positionsId = getU32(bytes, 24);
  if (of === KIND_UPDATE && positionsId !== 0) fail(`a partial of updates must have positionsId 0, got ${hex32(positionsId)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const totalWeight = view.getFloat64(32, true);
  if (!Number.isFinite(totalWeight) || !(totalWeight >= 0)) fail(`total weight ${totalWeight} must be a finite number >= 0 (at byte 32)`);
  const r = new Reader(bytes, HEADER_BYTES + PARTIAL_EXTRA_BYTES, len - CRC_BYTES, caller);
  const layerCount = getU32(bytes, 16);
  if (layerCount > r.remaining() / 2) r.fail(`layer count ${layerCount} cannot fit in ${r.remaining()} bytes`, 16);
  const seen = new Set<string>();
  const layers: PartialLayout['layers'] = [];
  for (let i = 0; i < layerCount; i++) {
    r.context = `layer ${i}: `;
    const start = r.pos;
    const name = r.name();
    r.context = `layer ${i} ('${name}'): `;
    if (seen.has(name)) r.fail('duplicate layer name', start);
    seen.add(name);
    let shape: number[] | null = null;
    let n: number;
    if (of === KIND_UPDATE) ({ shape, n } = r.shape());
    else n = r.varint('count');
    const meta = bytes.slice(start, r.pos);
    r.need(8 * n, `sums (${n} float64)`);
    layers.push({ name, shape, n, meta, sumsAt: r.pos });
    r.pos += 8 * n;
  }
  r.context = '';
  if (r.remaining() !== 0) r.fail(`${r.remaining()} unexpected bytes after the last layer`);
  return { round: getU32(bytes, 12), of, positionsId, clients: getU32(bytes, 28), totalWeight, layers };
}

/** Decodes a partial aggregate (kind 4); any malformed input is a DgpFormatError. */
export function decodePartial(input: Uint8Array): PartialAggregate {
  const caller = 'decodePartial';
  const bytes = readTyped(input, Uint8Array, `${caller}: bytes`);
  const p = readPartialLayout(bytes, caller);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const layers = p.layers.map((l, i) => {
    const sums = new Float64Array(l.n);
    for (let j = 0; j < l.n; j++) {
      const v = view.getFloat64(l.sumsAt + 8 * j, true);
      if (!Number.isFinite(v)) throw new DgpFormatError(`${caller}: layer ${i} ('${l.name}'): sum ${j} is ${v}; sums must be finite (at byte ${l.sumsAt + 8 * j})`);
      sums[j] = v;
    }
    return { name: l.name, shape: l.shape, sums };
  });
  return { round: p.round, of: p.of === KIND_UPDATE ? 'update' : 'aligned', positionsId: p.positionsId, clients: p.clients, totalWeight: p.totalWeight, layers };
}

/** Everything a partial carries. */
export interface PartialState {
  of: number;
  round: number;
  positionsId: number;
  clients: number;
  totalWeight: number;
  layers: StreamLayer[];
  sums: Float64Array;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Writes a partial aggregate (kind 4) of the given state. */
export function encodePartialBytes(s: PartialState, caller: string): Uint8Array {
  const body = s.layers.reduce((t, l) => t + l.meta.length + 8 * l.n, 0);
  const total = HEADER_BYTES + PARTIAL_EXTRA_BYTES + body + CRC_BYTES;
  if (total > 0xffffffff) throw new RangeError(`${caller}: the partial would be ${total} bytes; a message holds at most 2^32-1`);
  if (s.clients > 0xffffffff) throw new RangeError(`${caller}: ${s.clients} clients do not fit the partial's u32 count`);
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[4] = FORMAT_VERSION;
  out[5] = KIND_PARTIAL;
  putU32(out, 8, total);
  putU32(out, 12, s.round);
  putU32(out, 16, s.layers.length);
  out[20] = s.of;
  putU32(out, 24, s.positionsId);
  putU32(out, 28, s.clients);
  const view = new DataView(out.buffer);
  view.setFloat64(32, s.totalWeight, true);
  let o = HEADER_BYTES + PARTIAL_EXTRA_BYTES;
  let base = 0;
  for (const l of s.layers) {
    out.set(l.meta, o);
    o += l.meta.length;
    if (LITTLE_ENDIAN) out.set(new Uint8Array(s.sums.buffer, s.sums.byteOffset + 8 * base, 8 * l.n), o);
    else for (let j = 0; j < l.n; j++) view.setFloat64(o + 8 * j, s.sums[base + j], true);
    o += 8 * l.n;
    base += l.n;
  }
  putU32(out, o, crc32(out, 0, o));
  return out;
}
