/**
 * The wire format (SPEC §6, docs/FORMAT.md): encodeUpdate / decodeUpdate for a client's round
 * update, and the two ADGP messages (positions broadcast, values-only upload/download). Encoders
 * validate their input (TypeError / RangeError); decoders treat bytes as hostile and throw only
 * DgpFormatError. A decoder allocates only after checking the claimed sizes against the bytes
 * that remain, so memory stays within a small multiple of the message size (FORMAT.md §Limits).
 */
import { quoteName } from '../layers';
import { describeValue } from '../errors';
import { readTyped } from '../read';
import { DgpFormatError } from './errors';
import { kernelsFor } from '../backend';
import { CODING_BITMAP, CODING_DELTA, Kernels, WireStatus } from '../surface/kernels';
import { getU32, putU32, putVarint, Reader, varintLength, writeHeader, writeValues } from './codec';
import { CRC_BYTES, FORMAT_VERSION, HEADER_BYTES, hex32, KIND_ALIGNED, KIND_NAMES, KIND_POSITIONS, KIND_UPDATE, MAGIC } from '../surface/format';
import { checkSparseContent, PlainSparseLayer, readAlignedValues, readSparseMessage } from './objects';
import type { AlignedPositions, AlignedValues, Update, UpdateLayer } from './types';

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

interface Opened {
  reader: Reader;
  round: number;
  layerCount: number;
  crc: number;
  k: Kernels;
}

/** Checks the header, the length and the CRC; returns a reader over the layer section. */
function openMessage(input: unknown, kind: number, caller: string): Opened {
  const bytes = readTyped(input, Uint8Array, `${caller}: bytes`);
  const len = bytes.length;
  const headerBytes = HEADER_BYTES + (kind === KIND_ALIGNED ? 4 : 0);
  const fail = (msg: string): never => {
    throw new DgpFormatError(`${caller}: ${msg}`);
  };
  if (len < 4 || MAGIC.some((m, i) => bytes[i] !== m)) {
    if (len < 4) fail(`truncated: ${len} bytes, a message needs at least ${headerBytes + CRC_BYTES}`);
    fail(`not a tfjs-dgp message: magic is ${hex32(getU32(bytes, 0))}, expected 'DGPW'`);
  }
  if (len < headerBytes + CRC_BYTES) fail(`truncated: ${len} bytes, a ${KIND_NAMES[kind]} message needs at least ${headerBytes + CRC_BYTES}`);
  if (bytes[4] !== FORMAT_VERSION) fail(`unsupported format version ${bytes[4]} (this decoder reads version ${FORMAT_VERSION})`);
  if (bytes[5] !== kind)
    fail(`expected a${kind === KIND_UPDATE ? 'n' : ''} ${KIND_NAMES[kind]} message (kind ${kind}), got kind ${bytes[5]}` +
      (KIND_NAMES[bytes[5]] ? ` (${KIND_NAMES[bytes[5]]})` : ''));
  if (bytes[6] !== 0 || bytes[7] !== 0) fail(`reserved header bytes 6-7 must be 0, got ${bytes[6]}, ${bytes[7]}`);
  const declared = getU32(bytes, 8);
  if (declared !== len)
    fail(`length mismatch: the header says ${declared} bytes, got ${len} (${declared > len ? 'truncated' : 'trailing bytes'})`);
  const round = getU32(bytes, 12);
  const layerCount = getU32(bytes, 16);
  const k = kernelsFor(len >>> 2);
  const stored = getU32(bytes, len - CRC_BYTES);
  const crc = k.crc32(bytes, 0, len - CRC_BYTES);
  if (stored !== crc) fail(`CRC-32 mismatch: stored ${hex32(stored)}, computed ${hex32(crc)} (corrupted message)`);
  const reader = new Reader(bytes, headerBytes, len - CRC_BYTES, caller);
  // Every layer takes at least 2 bytes (aligned) or 4 (sparse): bound the count before looping.
  const minLayer = kind === KIND_ALIGNED ? 2 : 4;
  if (layerCount > reader.remaining() / minLayer)
    reader.fail(`layer count ${layerCount} cannot fit in ${reader.remaining()} bytes`, 16);
  return { reader, round, layerCount, crc, k };
}

function indexError(r: Reader, status: number, at: number, count: number, n: number, coding: number): never {
  const block = coding === CODING_BITMAP ? 'bitmap' : 'delta indices';
  switch (status) {
    case WireStatus.Truncated:
      return r.fail(`truncated ${block}: ${coding === CODING_BITMAP ? `needs ${Math.ceil(n / 8)} bytes` : `${count} varints do not fit`}, ${r.remaining()} remain`);
    case WireStatus.VarintOverlong:
      return r.fail(`delta index ${at} is an overlong varint (redundant zero byte)`);
    case WireStatus.VarintOverflow:
      return r.fail(`delta index ${at} overflows 32 bits`);
    case WireStatus.NotAscending:
      return r.fail(`index ${at} has delta 0: indices must be strictly ascending`);
    case WireStatus.OutOfRange:
      return r.fail(`index ${at} is >= the layer size ${n}`);
    case WireStatus.CountMismatch:
      return r.fail(`bitmap has ${at < count ? `only ${at}` : `more than ${count}`} set bits, the count says ${count}`);
    case WireStatus.BitmapPadding:
      return r.fail(`bitmap sets bit ${at}, past the layer size ${n} (padding bits must be 0)`);
    default:
      return r.fail(`index coding ${coding} is not 0 (bitmap) or 1 (delta)`);
  }
}

function readValuesChecked(o: Opened, count: number): Float32Array {
  const r = o.reader;
  r.need(4 * count, `values (${count} float32)`);
  const values = new Float32Array(count);
  const bad = o.k.readValues(r.bytes, r.pos, values);
  if (bad >= 0) r.fail(`values[${bad}] is ${describeValue(values[bad])}; values must be finite`, r.pos + 4 * bad);
  r.pos += 4 * count;
  return values;
}

function layerName(o: Opened, i: number, seen: Set<string>): string {
  const r = o.reader;
  r.context = `layer ${i}: `;
  const start = r.pos;
  const name = r.name();
  r.context = `layer ${i} ('${name}'): `;
  if (seen.has(name)) r.fail(`duplicate layer name`, start);
  seen.add(name);
  return name;
}

function decodeSparse(o: Opened, withValues: boolean): UpdateLayer[] {
  const r = o.reader;
  const seen = new Set<string>();
  const layers: UpdateLayer[] = [];
  for (let i = 0; i < o.layerCount; i++) {
    const name = layerName(o, i, seen);
    const { shape, n } = r.shape();
    const codingAt = r.pos;
    const coding = r.u8('index coding');
    if (coding !== CODING_BITMAP && coding !== CODING_DELTA) r.fail(`index coding ${coding} is not 0 (bitmap) or 1 (delta)`, codingAt);
    const count = r.varint('count');
    if (count > n) r.fail(`count ${count} exceeds the layer size ${n}`);
    // Bound the allocation by the bytes that remain before making it.
    if (coding === CODING_BITMAP) r.need(Math.ceil(n / 8), `bitmap of ${n} bits`);
    else r.need(count, `${count} delta indices`);
    if (withValues) r.need(4 * count, `values (${count} float32)`);
    const indices = new Uint32Array(count);
    const at = new Float64Array(1);
    const end = o.k.readIndices(r.bytes, r.pos, r.end, coding, n, indices, at);
    if (end < 0) indexError(r, end, at[0], count, n, coding);
    r.pos = end;
    const values = withValues ? readValuesChecked(o, count) : new Float32Array(0);
    layers.push({ name, shape, indices, values });
  }
  r.context = '';
  if (r.remaining() !== 0) r.fail(`${r.remaining()} unexpected bytes after the last layer`);
  return layers;
}

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
  const r = o.reader;
  const positionsId = getU32(r.bytes, HEADER_BYTES);
  const seen = new Set<string>();
  const layers: AlignedValues['layers'] = [];
  for (let i = 0; i < o.layerCount; i++) {
    const name = layerName(o, i, seen);
    const count = r.varint('count');
    layers.push({ name, values: readValuesChecked(o, count) });
  }
  r.context = '';
  if (r.remaining() !== 0) r.fail(`${r.remaining()} unexpected bytes after the last layer`);
  return { round: o.round, positionsId, layers };
}
