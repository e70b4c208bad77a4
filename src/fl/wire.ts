/**
 * The wire format (SPEC §6, docs/FORMAT.md): encodeUpdate / decodeUpdate for a client's round
 * update, and the two ADGP messages (positions broadcast, values-only upload/download). Encoders
 * validate their input (TypeError / RangeError); decoders treat bytes as hostile and throw only
 * DgpFormatError, reading through the one wire reader (wire_reader.ts), which allocates only after
 * checking the claimed sizes against the bytes that remain, so memory stays within a small
 * multiple of the message size (FORMAT.md §Limits).
 */
import { quoteName } from '../layers';
import { describeValue } from '../errors';
import { kernelsFor } from '../backend';
import { CODING_BITMAP, CODING_DELTA, Kernels } from '../surface/kernels';
import { getU32, putU32, putVarint, varintLength, writeHeader, writeValues } from './codec';
import { CRC_BYTES, HEADER_BYTES, KIND_ALIGNED, KIND_POSITIONS, KIND_UPDATE } from '../surface/format';
import { decodeAlignedLayers, decodeSparse, openMessage } from './wire_reader';
import { checkSparseContent, PlainSparseLayer, readAlignedValues, readSparseMessage } from './objects';
import type { AlignedPositions, AlignedValues, Update } from './types';

// ---------------------------------------------------------------- encoding

interface Plan {
  name: Uint8Array;
  shape: number[] | null;
  n: number;
  indices: Uint32Array | null;
  coding: number;
  indexBytes: number;
  values: Float32Array | null;
  size: number;
}

/** Plans one sparse layer (already read and content-checked): picks the smaller index coding. */
function planSparse(k: Kernels, l: PlainSparseLayer): Plan {
  const delta = k.deltaSize(l.indices, l.n);
  const bitmap = Math.ceil(l.n / 8);
  const coding = bitmap <= delta ? CODING_BITMAP : CODING_DELTA;
  const indexBytes = Math.min(bitmap, delta);
  const size =
    varintLength(l.nameBytes.length) + l.nameBytes.length + 1 + l.shape.reduce((s, d) => s + varintLength(d), 0) + 1 +
    varintLength(l.indices.length) + indexBytes + (l.values ? 4 * l.indices.length : 0);
  return { name: l.nameBytes, shape: l.shape, n: l.n, indices: l.indices, coding, indexBytes, values: l.values, size };
}

function writePlans(k: Kernels, out: Uint8Array, start: number, plans: Plan[]): void {
  let o = start;
  for (const p of plans) {
    o = putVarint(out, o, p.name.length);
    out.set(p.name, o);
    o += p.name.length;
    if (p.shape) {
      out[o++] = p.shape.length;
      for (const d of p.shape) o = putVarint(out, o, d);
      out[o++] = p.coding;
    }
    if (p.indices) {
      o = putVarint(out, o, p.indices.length);
      o = k.writeIndices(out, o, p.indices, p.n, p.coding);
      if (o < 0) throw new Error('encode: index block did not fit its planned size (internal error)');
    } else {
      o = putVarint(out, o, p.values!.length);
    }
    if (p.values) o = writeValues(out, o, p.values);
  }
  putU32(out, o, k.crc32(out, 0, o));
}

function assemble(k: Kernels, kind: number, round: number, plans: Plan[], extraHeader: number[] = []): Uint8Array {
  const headerBytes = HEADER_BYTES + 4 * extraHeader.length;
  const total = headerBytes + plans.reduce((s, p) => s + p.size, 0) + CRC_BYTES;
  if (total > 0xffffffff) throw new RangeError(`encode: the message would be ${total} bytes; at most 2^32-1 are allowed`);
  const out = new Uint8Array(total);
  let o = writeHeader(out, kind, round, plans.length);
  for (const v of extraHeader) o = putU32(out, o, v);
  writePlans(k, out, o, plans);
  return out;
}

function encodeSparse(x: unknown, caller: string, kind: number, withValues: boolean): Uint8Array {
  const what = `${caller}: ${kind === KIND_UPDATE ? 'update' : 'positions'}`;
  const m = readSparseMessage(x, what, withValues);
  const k = kernelsFor(m.layers.reduce((s, l) => s + l.indices.length, 0));
  m.layers.forEach((l, i) => checkSparseContent(k, l, `${what}.layers[${i}] (${quoteName(l.name)})`, RangeError));
  return assemble(k, kind, m.round, m.layers.map((l) => planSparse(k, l)));
}

/** SPEC §10: one client's round update (every layer's name, shape and sparse kept set) as bytes. */
export function encodeUpdate(update: Update): Uint8Array {
  return encodeSparse(update, 'encodeUpdate', KIND_UPDATE, true);
}

/** ADGP broadcast: the positions of every layer (no values) as bytes. */
export function encodePositions(positions: AlignedPositions): Uint8Array {
  return encodeSparse(positions, 'encodePositions', KIND_POSITIONS, false);
}

/** ADGP values-only message (client upload or server download) as bytes. */
export function encodeAligned(aligned: AlignedValues): Uint8Array {
  const what = 'encodeAligned: aligned';
  const a = readAlignedValues(aligned, what);
  const k = kernelsFor(a.layers.reduce((s, l) => s + l.values.length, 0));
  const plans = a.layers.map((l, i): Plan => {
    const bad = k.firstNonFinite(l.values);
    if (bad >= 0)
      throw new RangeError(`${what}.layers[${i}] (${quoteName(l.name)}): values[${bad}] is ${describeValue(l.values[bad])}; values must be finite`);
    const size = varintLength(l.nameBytes.length) + l.nameBytes.length + varintLength(l.values.length) + 4 * l.values.length;
    return { name: l.nameBytes, shape: null, n: 0, indices: null, coding: 0, indexBytes: 0, values: l.values, size };
  });
  return assemble(k, KIND_ALIGNED, a.round, plans, [a.positionsId]);
}

// ---------------------------------------------------------------- decoding

/** SPEC §10: decodes an update; any malformed input is a DgpFormatError saying what is wrong. */
export function decodeUpdate(bytes: Uint8Array): Update {
  const o = openMessage(bytes, KIND_UPDATE, 'decodeUpdate');
  return { round: o.round, layers: decodeSparse(o, true) };
}

/** Decodes an ADGP broadcast; `id` is its CRC-32, which aligned messages refer to. */
export function decodePositions(bytes: Uint8Array): AlignedPositions {
  const o = openMessage(bytes, KIND_POSITIONS, 'decodePositions');
  const layers = decodeSparse(o, false).map(({ name, shape, indices }) => ({ name, shape, indices }));
  return { round: o.round, layers, id: o.crc };
}

/** Decodes an ADGP values-only message (upload or download). */
export function decodeAligned(bytes: Uint8Array): AlignedValues {
  const o = openMessage(bytes, KIND_ALIGNED, 'decodeAligned');
  return { round: o.round, positionsId: getU32(o.reader.bytes, HEADER_BYTES), layers: decodeAlignedLayers(o) };
}
