/**
 * Constants and small shared pieces of the wire format (docs/FORMAT.md is the normative text):
 * the header, varints for metadata, shapes and names, the values block. The heavy blocks
 * (indices, CRC, value checks) go through the kernel surface (src/kernels/surface.ts).
 */
import { describeValue } from '../errors';
import { DgpFormatError } from './errors';

export const MAGIC = [0x44, 0x47, 0x50, 0x57]; // "DGPW"
export const FORMAT_VERSION = 1;
export const KIND_UPDATE = 1;
export const KIND_POSITIONS = 2;
export const KIND_ALIGNED = 3;
export const KIND_NAMES: Record<number, string> = { 1: 'update', 2: 'positions', 3: 'aligned values' };
/** magic 4, version 1, kind 1, reserved 2, total length 4, round 4, layer count 4. */
export const HEADER_BYTES = 20;
export const CRC_BYTES = 4;
export const MAX_NAME_BYTES = 1024;
export const MAX_RANK = 16;
export const MAX_U32 = 0xffffffff;

const encoder = new TextEncoder();
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

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

export function hex32(v: number): string {
  return '0x' + v.toString(16).padStart(8, '0');
}

/** Index of the first lone surrogate in s, or -1 (s is then well-formed UTF-16). */
export function loneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/**
 * A layer name (docs/FORMAT.md, Names): a string of well-formed UTF-16 (no lone surrogate, so it
 * round-trips through UTF-8 exactly) whose UTF-8 form is at most MAX_NAME_BYTES bytes. Returns
 * those bytes; TypeError for a non-string, RangeError for any other bad name.
 */
export function nameBytes(name: unknown, what: string): Uint8Array {
  if (typeof name !== 'string') throw new TypeError(`${what}: name must be a string, got ${describeValue(name)}`);
  const lone = loneSurrogate(name);
  if (lone >= 0)
    throw new RangeError(
      `${what}: name ${describeValue(name)} has a lone surrogate U+${name.charCodeAt(lone).toString(16).toUpperCase()} at ${lone}; ` +
        'names must be well-formed UTF-16 so they survive UTF-8 exactly',
    );
  if (name.length > MAX_NAME_BYTES)
    throw new RangeError(`${what}: name ${describeValue(name)} is at least ${name.length} UTF-8 bytes; at most ${MAX_NAME_BYTES} are allowed`);
  const b = encoder.encode(name);
  if (b.length > MAX_NAME_BYTES)
    throw new RangeError(`${what}: name ${describeValue(name)} is ${b.length} UTF-8 bytes; at most ${MAX_NAME_BYTES} are allowed`);
  return b;
}

/** A shape read once into a plain Array (holes read as undefined and are rejected), and its size. */
export function readShape(shape: unknown, what: string): { shape: number[]; n: number } {
  if (!Array.isArray(shape)) throw new TypeError(`${what}: shape must be an Array of integers, got ${describeValue(shape)}`);
  const rank = shape.length;
  if (rank > MAX_RANK) throw new RangeError(`${what}: shape has rank ${rank}; at most ${MAX_RANK} is allowed`);
  const dims: number[] = [];
  let n = 1;
  for (let i = 0; i < rank; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > MAX_U32)
      throw new RangeError(`${what}: shape[${i}] must be an integer in [0, 2^32-1], got ${describeValue(d)}`);
    dims.push(d);
    n *= d;
  }
  if (n > MAX_U32) throw new RangeError(`${what}: shape [${dims.join(', ')}] has ${n} elements; at most 2^32-1 are allowed`);
  return { shape: dims, n };
}

/** Validated encoder-side shape: returns its element count. */
export function shapeSize(shape: unknown, what: string): number {
  return readShape(shape, what).n;
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
