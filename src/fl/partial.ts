/**
 * Partial aggregates (kind 4, docs/FORMAT.md "Partial aggregate"): the float64 running sums of an
 * Aggregator with its total weight, client count and layout, CRC-checked, so aggregation can be
 * split across workers, processes or hosts and merged as a tree. Also the layer-metadata bytes
 * the streaming kernels compare message layers against.
 */
import { nameBytes } from '../layers';
import { readTyped } from '../read';
import { DgpFormatError } from './errors';
import { kernelsFor } from '../backend';
import { layerMetaBytes, LITTLE_ENDIAN, putU32 } from './codec';
import { CRC_BYTES, FORMAT_VERSION, HEADER_BYTES, KIND_PARTIAL, KIND_UPDATE, MAGIC, PARTIAL_EXTRA_BYTES } from '../surface/format';
import { readPartialLayout, StreamLayer } from './wire_reader';

/** nameLength varint, name, then rank u8 + dims varints (update) or count varint (aligned). */
export function layerMeta(name: string, shapeOrCount: number[] | number): Uint8Array {
  return layerMetaBytes(nameBytes(name, 'layerMeta'), shapeOrCount);
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
  putU32(out, o, kernelsFor(o >>> 3).crc32(out, 0, o));
  return out;
}
