/**
 * Reference TypeScript code of two wire-format blocks (docs/FORMAT.md), written once: the
 * index-block decoder (C++ twin: dgp_wire::read_indices in native/wire/wire_kernels.cc) and the
 * non-finite scan. Pure functions of their arguments, so every backend may use them: the
 * TypeScript backend serves them as its readIndices and firstNonFinite kernels, and the wasm
 * glue asks them for what its module does not return (an error's position, a pre-check).
 */
import { CODING_BITMAP, CODING_DELTA, WireStatus } from '../surface/kernels';

/** Outcome of one block decode: the end offset, or a status and where it happened. */
interface ReadResult {
  status: number;
  end: number;
  /** Element position of the problem (byte count available for Truncated). */
  at: number;
}

function readBitmap(bytes: Uint8Array, offset: number, end: number, n: number, out: Uint32Array): ReadResult {
  const size = Math.ceil(n / 8);
  if (size > end - offset) return { status: WireStatus.Truncated, end: offset, at: end - offset };
  const count = out.length;
  let written = 0;
  for (let b = 0; b < size; b++) {
    let byte = bytes[offset + b];
    while (byte !== 0) {
      if (written === count) return { status: WireStatus.CountMismatch, end: offset, at: count };
      const low = byte & -byte;
      const i = b * 8 + (31 - Math.clz32(low));
      if (i >= n) return { status: WireStatus.BitmapPadding, end: offset, at: i };
      out[written++] = i;
      byte ^= low;
    }
  }
  if (written !== count) return { status: WireStatus.CountMismatch, end: offset, at: written };
  return { status: 0, end: offset + size, at: 0 };
}

function readDelta(bytes: Uint8Array, offset: number, end: number, n: number, out: Uint32Array): ReadResult {
  let pos = offset;
  let prev = 0;
  for (let j = 0; j < out.length; j++) {
    let v = 0;
    let len = 0;
    for (;;) {
      if (pos + len >= end) return { status: WireStatus.Truncated, end: offset, at: end - offset };
      const byte = bytes[pos + len];
      if (len === 4 && byte > 0x0f) return { status: WireStatus.VarintOverflow, end: offset, at: j };
      v += (byte & 0x7f) * 2 ** (7 * len);
      len++;
      if ((byte & 0x80) === 0) {
        if (len > 1 && byte === 0) return { status: WireStatus.VarintOverlong, end: offset, at: j };
        break;
      }
    }
    pos += len;
    if (j > 0 && v === 0) return { status: WireStatus.NotAscending, end: offset, at: j };
    const index = (j === 0 ? 0 : prev) + v;
    if (index >= n) return { status: WireStatus.OutOfRange, end: offset, at: j };
    out[j] = index;
    prev = index;
  }
  return { status: 0, end: pos, at: 0 };
}

/** The index block's end offset, or a negative WireStatus with the problem's position in at[0]. */
export function readIndices(
  bytes: Uint8Array, offset: number, end: number, coding: number, n: number, out: Uint32Array, at: Float64Array,
): number {
  const r: ReadResult =
    out.length > n ? { status: WireStatus.OutOfRange, end: offset, at: out.length }
    : coding === CODING_BITMAP ? readBitmap(bytes, offset, end, n, out)
    : coding === CODING_DELTA ? readDelta(bytes, offset, end, n, out)
    : { status: WireStatus.BadCoding, end: offset, at: 0 };
  if (r.status === 0) return r.end;
  at[0] = r.at;
  return r.status;
}

/** Position of the first NaN/Inf, or -1. */
export function firstNonFinite(values: Float32Array): number {
  return firstNonFiniteBits(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

/** The same scan over float32 bit patterns (all exponent bits set: NaN or ±Infinity). */
export function firstNonFiniteBits(bits: Uint32Array): number {
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7f800000) === 0x7f800000) return i;
  return -1;
}

