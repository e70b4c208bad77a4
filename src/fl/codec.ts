/**
 * The byte-level pieces of the wire format (docs/FORMAT.md is the normative text; its constants
 * are src/surface/format.ts): varints, u32s, the header and values block writers, and Reader, the
 * bounds-checked cursor every TypeScript decoder walks a message with. The heavy blocks
 * (indices, CRC, value checks) go through the kernel surface (src/surface/kernels.ts).
 */
import { describeValue } from '../errors';
import { DgpFormatError } from './errors';
import { FORMAT_VERSION, MAGIC, MAX_NAME_BYTES, MAX_RANK, MAX_U32 } from '../surface/format';

// fatal: invalid UTF-8 is an error, never U+FFFD; ignoreBOM: a leading U+FEFF is part of the name,
// not a byte order mark to strip. Names then decode to exactly what was encoded (docs/FORMAT.md).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function varintLength(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

export function putVarint(out: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[o++] = v;
  return o;
}

export function putU32(out: Uint8Array, o: number, v: number): number {
  out[o] = v & 0xff;
  out[o + 1] = (v >>> 8) & 0xff;
  out[o + 2] = (v >>> 16) & 0xff;
  out[o + 3] = (v >>> 24) & 0xff;
  return o + 4;
}

export function getU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Whether this host stores numbers little-endian, as the wire format does. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Writes values as little-endian float32 at out[offset]; returns the end offset. Not a kernel:
 * on little-endian hosts it is TypedArray.set, a memcpy on every backend.
 */
export function writeValues(out: Uint8Array, offset: number, values: Float32Array): number {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.length * 4), offset);
  } else {
    const view = new DataView(out.buffer, out.byteOffset + offset, values.length * 4);
    for (let j = 0; j < values.length; j++) view.setFloat32(j * 4, values[j], true);
  }
  return offset + values.length * 4;
}

/**
 * `sum` plus the squares of `count` little-endian float32s at b[offset], added one by one in
 * order as float64 (so a running sum over several layers matches a single loop's), read in
 * place (no copy).
 */
export function sumSquaresF32(sum: number, b: Uint8Array, offset: number, count: number): number {
  if (LITTLE_ENDIAN && ((b.byteOffset + offset) & 3) === 0) {
    const v = new Float32Array(b.buffer, b.byteOffset + offset, count);
    for (let j = 0; j < count; j++) sum += v[j] * v[j];
  } else {
    const view = new DataView(b.buffer, b.byteOffset + offset, 4 * count);
    for (let j = 0; j < count; j++) {
      const x = view.getFloat32(4 * j, true);
      sum += x * x;
    }
  }
  return sum;
}

/** Reads out.length little-endian u32s from b[offset]; returns out. */
export function readU32s(b: Uint8Array, offset: number, out: Uint32Array): Uint32Array {
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer, out.byteOffset, out.length * 4).set(b.subarray(offset, offset + out.length * 4));
  else for (let j = 0; j < out.length; j++) out[j] = getU32(b, offset + 4 * j);
  return out;
}

/** Writes values as little-endian u32s at out[offset]; returns the end offset. */
export function writeU32s(out: Uint8Array, offset: number, values: Uint32Array): number {
  if (LITTLE_ENDIAN) out.set(new Uint8Array(values.buffer, values.byteOffset, values.length * 4), offset);
  else for (let j = 0; j < values.length; j++) putU32(out, offset + 4 * j, values[j]);
  return offset + values.length * 4;
}

export function checkRound(round: unknown, what: string): number {
  if (typeof round !== 'number' || !Number.isInteger(round) || round < 0 || round > MAX_U32)
    throw new RangeError(`${what}: round must be an integer in [0, 2^32-1], got ${describeValue(round)}`);
  return round;
}

export function writeHeader(out: Uint8Array, kind: number, round: number, layerCount: number): number {
  out.set(MAGIC, 0);
  out[4] = FORMAT_VERSION;
  out[5] = kind;
  out[6] = 0;
  out[7] = 0;
  putU32(out, 8, out.length);
  putU32(out, 12, round);
  return putU32(out, 16, layerCount);
}

/**
 * A bounds-checked cursor over an untrusted message body. Every read checks the remaining length
 * first and throws DgpFormatError naming what was being read, the layer and the byte offset.
 */
export class Reader {
  pos: number;
  /** Set by the decoder to prefix errors with the layer being read. */
  context = '';

  constructor(readonly bytes: Uint8Array, start: number, readonly end: number, readonly caller: string) {
    this.pos = start;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  fail(what: string, at = this.pos): never {
    throw new DgpFormatError(`${this.caller}: ${this.context}${what} (at byte ${at})`);
  }

  need(bytes: number, what: string): void {
    if (bytes > this.remaining())
      this.fail(`truncated ${what}: needs ${bytes} bytes, ${this.remaining()} remain before the CRC`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  /** LEB128 u32: at most 5 bytes, no redundant trailing zero byte, value <= 2^32-1. */
  varint(what: string): number {
    const start = this.pos;
    let v = 0;
    for (let len = 0; ; len++) {
      if (this.pos >= this.end) this.fail(`truncated ${what} varint`, start);
      const byte = this.bytes[this.pos++];
      if (len === 4 && byte > 0x0f) this.fail(`${what} varint overflows 32 bits`, start);
      v += (byte & 0x7f) * 2 ** (7 * len);
      if ((byte & 0x80) === 0) {
        if (len > 0 && byte === 0) this.fail(`${what} varint is overlong (redundant zero byte)`, start);
        return v;
      }
    }
  }

  name(): string {
    const len = this.varint('name length');
    if (len > MAX_NAME_BYTES) this.fail(`name length ${len} exceeds ${MAX_NAME_BYTES} bytes`);
    this.need(len, 'name');
    const start = this.pos;
    this.pos += len;
    try {
      return decoder.decode(this.bytes.subarray(start, start + len));
    } catch {
      return this.fail('name is not valid UTF-8', start);
    }
  }

  /** rank u8 then rank varint dims; the element count must stay <= 2^32-1. */
  shape(): { shape: number[]; n: number } {
    const start = this.pos;
    const rank = this.u8('rank');
    if (rank > MAX_RANK) this.fail(`rank ${rank} exceeds ${MAX_RANK}`, start);
    const shape: number[] = [];
    let n = 1;
    for (let i = 0; i < rank; i++) {
      const d = this.varint(`shape[${i}]`);
      shape.push(d);
      n *= d; // exact below 2^53; a larger product still compares > 2^32-1 (no Infinity: 16 dims < 2^512)
    }
    if (n > MAX_U32) this.fail(`shape [${shape.join(', ')}] has ${n} elements; at most 2^32-1 are allowed`, start);
    return { shape, n };
  }
}

/**
 * A layer's metadata bytes as kinds 1, 3, 4, 5 and 6 carry them (docs/FORMAT.md): nameLength
 * varint, the UTF-8 name `nb`, then rank u8 + dims varints (a shape) or a count varint.
 */
export function layerMetaBytes(nb: Uint8Array, shapeOrCount: number[] | number): Uint8Array {
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
