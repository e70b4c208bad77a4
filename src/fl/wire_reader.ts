/**
 * The one TypeScript reader of the wire format (docs/FORMAT.md): it walks every layout a message
 * can have (update, positions, aligned values, partial aggregate) over untrusted bytes, bounds-
 * checked, with one frame check (magic, version, kind, length, CRC) for all of them and the
 * texts of its DgpFormatErrors. decodeUpdate/decodePositions/decodeAligned (wire.ts),
 * decodePartial (partial.ts), the Aggregator (its first message and partial, a mismatching
 * layer's description) and so ADGP's broadcasts all read through it. The streaming kernels'
 * own validation is the kernels' (src/backends/*, native/wire/stream_aggregate.cc), twins of each
 * other, bit for bit.
 */
import { describeValue } from '../errors';
import { readTyped } from '../read';
import { kernelsFor } from '../backend';
import { CODING_BITMAP, CODING_DELTA, Kernels, WireStatus } from '../surface/kernels';
import {
  CRC_BYTES, EXTRA_HEADER_BYTES, FORMAT_VERSION, HEADER_BYTES, hex32, KIND_ALIGNED, KIND_INTEGER, KIND_MODULAR_PARTIAL, KIND_NAMES, KIND_PARTIAL,
  KIND_POSITIONS, KIND_UPDATE, MAGIC, PARTIAL_EXTRA_BYTES,
} from '../surface/format';
import { wireMessage } from '../surface/messages';
import { StreamCode } from '../surface/stream';
import { getU32, readU32s, Reader, sumSquaresF32 } from './codec';
import { DgpFormatError } from './errors';
import type { UpdateLayer } from './types';

/** What a frame check says a message's fields are (the reader is over its layer section). */
interface Frame {
  bytes: Uint8Array;
  round: number;
  layerCount: number;
  /** The CRC-32 computed, or -1 when the frame was opened without checking it. */
  crc: number;
}

/**
 * Checks a frame's header (magic, version, kind, reserved bytes), its length and, with kernels,
 * its CRC: the checks every kind shares, worded by the one table (surface/messages.ts). `name` is
 * what a frame of this kind is called ("update message", "partial aggregate").
 */
function openFrame(bytes: Uint8Array, kind: number, min: number, name: string, caller: string, k: Kernels | null): Frame {
  const len = bytes.length;
  const fail = (code: number, got: number, want: number, expected = name, reserved?: [number, number]): never => {
    throw new DgpFormatError(`${caller}: ${wireMessage(code, { source: 'decoder', got, want, expected, reserved })}`);
  };
  if (len < 4 || MAGIC.some((m, i) => bytes[i] !== m)) {
    if (len < 4) fail(StreamCode.TooShort, len, min, kind === KIND_PARTIAL ? name : 'message');
    fail(StreamCode.BadMagic, getU32(bytes, 0), 0);
  }
  if (len < min) fail(StreamCode.TooShort, len, min);
  if (bytes[4] !== FORMAT_VERSION) fail(StreamCode.BadVersion, bytes[4], FORMAT_VERSION);
  if (bytes[5] !== kind) fail(StreamCode.BadKind, bytes[5], kind);
  if (bytes[6] !== 0 || bytes[7] !== 0) fail(StreamCode.BadReserved, 0, 0, name, [bytes[6], bytes[7]]);
  const declared = getU32(bytes, 8);
  if (declared !== len) fail(StreamCode.LengthMismatch, declared, len);
  let crc = -1;
  if (k) {
    const stored = getU32(bytes, len - CRC_BYTES);
    crc = k.crc32(bytes, 0, len - CRC_BYTES);
    if (stored !== crc) fail(StreamCode.CrcMismatch, stored, crc);
  }
  return { bytes, round: getU32(bytes, 12), layerCount: getU32(bytes, 16), crc };
}

export interface Opened {
  reader: Reader;
  round: number;
  layerCount: number;
  crc: number;
  k: Kernels;
}

/** Checks a message's frame (header, length, CRC); returns a reader over the layer section. */
export function openMessage(input: unknown, kind: number, caller: string): Opened {
  const bytes = readTyped(input, Uint8Array, `${caller}: bytes`);
  const len = bytes.length;
  const headerBytes = HEADER_BYTES + (EXTRA_HEADER_BYTES[kind] ?? 0);
  const k = kernelsFor(len >>> 2);
  const name = kind === KIND_MODULAR_PARTIAL ? KIND_NAMES[kind] : `${KIND_NAMES[kind]} message`;
  const { round, layerCount, crc } = openFrame(bytes, kind, headerBytes + CRC_BYTES, name, caller, k);
  const reader = new Reader(bytes, headerBytes, len - CRC_BYTES, caller);
  // Every layer takes at least 2 bytes (aligned, integer) or 4 (sparse): bound the count before looping.
  const minLayer = kind === KIND_UPDATE || kind === KIND_POSITIONS ? 4 : 2;
  if (layerCount > reader.remaining() / minLayer)
    reader.fail(`layer count ${layerCount} cannot fit in ${reader.remaining()} bytes`, 16);
  return { reader, round, layerCount, crc, k };
}

function indexError(r: Reader, status: number, at: number, count: number, n: number, coding: number): never {
  const code = status < 0 && status > WireStatus.BadCoding ? status : WireStatus.BadCoding;
  const got = code === WireStatus.BadCoding ? coding : at;
  const want = code === WireStatus.CountMismatch ? count : n;
  return r.fail(wireMessage(code, { source: 'decoder', got, want, coding, count, remain: r.remaining() })!);
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

export function decodeSparse(o: Opened, withValues: boolean): UpdateLayer[] {
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

/** The layers of an aligned-values message (names and values). */
export function decodeAlignedLayers(o: Opened): Array<{ name: string; values: Float32Array }> {
  const r = o.reader;
  const seen = new Set<string>();
  const layers: Array<{ name: string; values: Float32Array }> = [];
  for (let i = 0; i < o.layerCount; i++) {
    const name = layerName(o, i, seen);
    const count = r.varint('count');
    layers.push({ name, values: readValuesChecked(o, count) });
  }
  r.context = '';
  if (r.remaining() !== 0) r.fail(`${r.remaining()} unexpected bytes after the last layer`);
  return layers;
}

/**
 * An integer update (kind 5) or modular partial aggregate (kind 6), read in full but for its
 * values, which are located (valuesAt), not copied: every value is a valid residue mod 2^32, so
 * once this returns, every check a receiver needs has been made (layout agreement is the
 * receiver's, against `layers[i].meta`).
 */
export interface IntegerLayout {
  round: number;
  /** 0: dense layers (rank + dims); else the positions' id and per-layer counts. */
  positionsId: number;
  /** Kind 6: the clients summed; kind 5: 1. */
  clients: number;
  /** The CRC-32 of the message. */
  crc: number;
  bytes: Uint8Array;
  layers: Array<StreamLayer & { valuesAt: number }>;
}

export function readIntegerLayout(input: unknown, kind: typeof KIND_INTEGER | typeof KIND_MODULAR_PARTIAL, caller: string): IntegerLayout {
  const o = openMessage(input, kind, caller);
  const r = o.reader;
  const bytes = r.bytes;
  const positionsId = getU32(bytes, HEADER_BYTES);
  const clients = kind === KIND_MODULAR_PARTIAL ? getU32(bytes, HEADER_BYTES + 4) : 1;
  const seen = new Set<string>();
  const layers: IntegerLayout['layers'] = [];
  const what = kind === KIND_INTEGER ? 'values' : 'sums';
  for (let i = 0; i < o.layerCount; i++) {
    const start = r.pos;
    const name = layerName(o, i, seen);
    let shape: number[] | null = null;
    let n: number;
    if (positionsId === 0) ({ shape, n } = r.shape());
    else n = r.varint('count');
    const meta = bytes.slice(start, r.pos);
    r.need(4 * n, `${what} (${n} u32)`);
    layers.push({ name, shape, n, meta, valuesAt: r.pos });
    r.pos += 4 * n;
  }
  r.context = '';
  if (r.remaining() !== 0) r.fail(`${r.remaining()} unexpected bytes after the last layer`);
  return { round: o.round, positionsId, clients, crc: o.crc, bytes, layers };
}

/** A kind 5 or 6 message's layers with their values copied out (decodeIntegerUpdate, decodeModularPartial). */
export function integerLayers(l: IntegerLayout): Array<{ name: string; shape: number[] | null; values: Uint32Array }> {
  return l.layers.map((x) => ({ name: x.name, shape: x.shape, values: readU32s(l.bytes, x.valuesAt, new Uint32Array(x.n)) }));
}

/** One layer of a stream layout: its metadata bytes as messages carry them, and its size. */
export interface StreamLayer {
  name: string;
  /** Dense shape (update sums); null for aligned sums, which live on positions. */
  shape: number[] | null;
  /** Number of sums: the dense size, or the positions' count. */
  n: number;
  meta: Uint8Array;
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

/**
 * Parses a partial's header and layer metadata, checking everything but the sums' values (and,
 * when !checkCrc, the CRC: for a caller whose kernel checks it next, so it is computed once).
 */
export function readPartialLayout(input: unknown, caller: string, checkCrc = true): PartialLayout {
  const bytes = readTyped(input, Uint8Array, `${caller}: bytes`); // a Proxy of one is refused
  const len = bytes.length;
  const min = HEADER_BYTES + PARTIAL_EXTRA_BYTES + CRC_BYTES;
  const fail = (msg: string): never => {
    throw new DgpFormatError(`${caller}: ${msg}`);
  };
  openFrame(bytes, KIND_PARTIAL, min, 'partial aggregate', caller, checkCrc ? kernelsFor(len >>> 3) : null);
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

/**
 * The layer names and shapes of an update message, read without checking its CRC, index blocks
 * or values, or null when anything in the walk is off: for a caller whose streaming kernel
 * validates the whole message next (the Aggregator's first message), which then reads the
 * message once. On null, or when that kernel refuses the message, decodeUpdate says what is wrong.
 */
export function readUpdateHeads(bytes: Uint8Array): Array<{ name: string; shape: number[]; n: number; meta: Uint8Array }> | null {
  const len = bytes.length;
  if (len < HEADER_BYTES + CRC_BYTES || MAGIC.some((m, i) => bytes[i] !== m) || bytes[4] !== FORMAT_VERSION || bytes[5] !== KIND_UPDATE ||
      bytes[6] !== 0 || bytes[7] !== 0 || getU32(bytes, 8) !== len)
    return null;
  const layerCount = getU32(bytes, 16);
  try {
    const r = new Reader(bytes, HEADER_BYTES, len - CRC_BYTES, 'readUpdateHeads');
    if (layerCount > r.remaining() / 4) return null;
    const seen = new Set<string>();
    const layers: Array<{ name: string; shape: number[]; n: number; meta: Uint8Array }> = [];
    for (let i = 0; i < layerCount; i++) {
      const start = r.pos;
      const name = r.name();
      if (seen.has(name)) return null;
      seen.add(name);
      const { shape, n } = r.shape();
      const meta = bytes.slice(start, r.pos);
      const coding = r.u8('index coding');
      const count = r.varint('count');
      if (count > n || (coding !== CODING_BITMAP && coding !== CODING_DELTA)) return null;
      if (coding === CODING_BITMAP) r.need(Math.ceil(n / 8), 'bitmap');
      else for (let j = 0; j < count; j++) r.varint('index');
      r.pos += coding === CODING_BITMAP ? Math.ceil(n / 8) : 0;
      r.need(4 * count, 'values');
      r.pos += 4 * count;
      layers.push({ name, shape, n, meta });
    }
    return r.remaining() === 0 ? layers : null;
  } catch (e) {
    if (e instanceof DgpFormatError) return null;
    throw e;
  }
}

/** The offset after `count` LEB128 varints from b[pos] (the bytes before `end`), or -1. */
function skipVarints(b: Uint8Array, pos: number, end: number, count: number): number {
  for (let k = 0; k < count; pos++) {
    if (pos >= end) return -1;
    if ((b[pos] & 0x80) === 0) k++;
  }
  return pos;
}

/**
 * The sum of the squares of an update's (kind 1) or aligned upload's (kind 3) values, in message
 * order, as float64 (what l2Norm of the decoded values sums), read in one walk without checking
 * the CRC or index blocks and without copying anything; null when anything in the walk is off.
 * For a caller whose streaming kernel validates the whole message next (the Aggregator's clip
 * check under options.privacy), so the message is decoded once.
 */
export function valuesSquaredSum(bytes: Uint8Array): number | null {
  const len = bytes.length;
  const kind = bytes[5];
  const headerBytes = HEADER_BYTES + (kind === KIND_ALIGNED ? EXTRA_HEADER_BYTES[KIND_ALIGNED] : 0);
  if (len < headerBytes + CRC_BYTES || MAGIC.some((m, i) => bytes[i] !== m) || bytes[4] !== FORMAT_VERSION ||
      (kind !== KIND_UPDATE && kind !== KIND_ALIGNED) || getU32(bytes, 8) !== len)
    return null;
  const layerCount = getU32(bytes, 16);
  let sum = 0;
  try {
    const r = new Reader(bytes, headerBytes, len - CRC_BYTES, 'valuesSquaredSum');
    if (layerCount > r.remaining() / 2) return null;
    for (let i = 0; i < layerCount; i++) {
      r.name();
      let count: number;
      if (kind === KIND_UPDATE) {
        const { n } = r.shape();
        const coding = r.u8('index coding');
        count = r.varint('count');
        if (count > n || (coding !== CODING_BITMAP && coding !== CODING_DELTA)) return null;
        if (coding === CODING_BITMAP) {
          r.need(Math.ceil(n / 8), 'bitmap');
          r.pos += Math.ceil(n / 8);
        } else {
          // only where the values start: the kernel checks the indices next
          const end = skipVarints(bytes, r.pos, r.end, count);
          if (end < 0) return null;
          r.pos = end;
        }
      } else count = r.varint('count');
      r.need(4 * count, 'values');
      sum = sumSquaresF32(sum, bytes, r.pos, count);
      r.pos += 4 * count;
    }
    return r.remaining() === 0 ? sum : null;
  } catch (e) {
    if (e instanceof DgpFormatError) return null;
    throw e;
  }
}

/** What a layer header at byte `at` says, read bounds-checked (it may be malformed). */
export function describeLayerAt(bytes: Uint8Array, at: number, of: number): string {
  try {
    const r = new Reader(bytes, at, bytes.length - 4, 'layer');
    const name = r.name();
    if (of === KIND_ALIGNED) return `the message has '${name}' with ${r.varint('count')} values`;
    return `the message has '${name}' shape [${r.shape().shape}]`;
  } catch {
    return 'the layer header is malformed';
  }
}
