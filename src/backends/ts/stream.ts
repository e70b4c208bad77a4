/**
 * The TypeScript twin of native/wire/stream_aggregate.cc, bit for bit: the same checks in the
 * same order with the same outcome codes, and the same float64 arithmetic
 * (`acc[i] = acc[i] + weight * v`, products and sums rounded one at a time, as the C++ does with
 * FMA contraction off). JS numbers are float64, so no rounding step is needed here.
 */
import { CRC_BYTES as CRC, HEADER_BYTES as HEADER, KIND_ALIGNED, KIND_PARTIAL, KIND_UPDATE, MAX_U32, PARTIAL_EXTRA_BYTES } from '../../surface/format';
import { StreamCode, StreamSpec } from '../../surface/stream';
import { crc32 } from './wire';

function fail(out: Float64Array, code: number, layer: number, at: number, got = 0, want = 0): number {
  out[0] = code;
  out[1] = layer;
  out[2] = at;
  out[3] = got;
  out[4] = want;
  return code;
}

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function finiteF32At(b: Uint8Array, o: number): boolean {
  return (b[o + 3] & 0x7f) !== 0x7f || (b[o + 2] & 0x80) !== 0x80;
}

function finiteF64At(b: Uint8Array, o: number): boolean {
  return (b[o + 7] & 0x7f) !== 0x7f || (b[o + 6] & 0xf0) !== 0xf0;
}

/** Cursor for varint reads: value and position travel together to avoid allocations. */
interface Cur {
  pos: number;
  v: number;
}

/** LEB128 u32 as in FORMAT.md; Ok, TruncatedField or BadVarint. */
function readVarint(b: Uint8Array, end: number, c: Cur): number {
  let v = 0;
  for (let len = 0; ; len++) {
    if (c.pos + len >= end) return StreamCode.TruncatedField;
    const byte = b[c.pos + len];
    if (len === 4 && byte > 0x0f) return StreamCode.BadVarint;
    v += (byte & 0x7f) * 2 ** (7 * len);
    if ((byte & 0x80) === 0) {
      if (len > 0 && byte === 0) return StreamCode.BadVarint;
      c.pos += len + 1;
      c.v = v;
      return StreamCode.Ok;
    }
  }
}

/** One layout layer: where its metadata lies in spec.layout, and its size. */
interface MetaLayer {
  start: number;
  len: number;
  n: number;
}

/** Parses the spec's layout (it is the caller's, but is still read bounds-checked). */
export function layoutLayers(spec: StreamSpec): MetaLayer[] | null {
  const b = spec.layout;
  const end = b.length;
  const c: Cur = { pos: 0, v: 0 };
  const layers: MetaLayer[] = [];
  let total = 0;
  for (let l = 0; l < spec.layerCount; l++) {
    const start = c.pos;
    if (readVarint(b, end, c) !== StreamCode.Ok || c.v > end - c.pos) return null;
    c.pos += c.v;
    let n: number;
    if (spec.of === KIND_ALIGNED) {
      if (readVarint(b, end, c) !== StreamCode.Ok) return null;
      n = c.v;
    } else {
      if (c.pos >= end || b[c.pos] > 16) return null;
      const rank = b[c.pos++];
      n = 1;
      let zero = false; // a zero dim makes n = 0 whatever the others are (as the decoders agree)
      for (let d = 0; d < rank; d++) {
        if (readVarint(b, end, c) !== StreamCode.Ok) return null;
        if (c.v === 0) zero = true;
        n = n > MAX_U32 ? n : n * c.v;
      }
      if (zero) n = 0;
      if (n > MAX_U32) return null;
    }
    layers.push({ start, len: c.pos - start, n });
    total += n;
  }
  return c.pos === end && total === spec.total ? layers : null;
}

function checkHeader(m: Uint8Array, spec: StreamSpec, kind: number, out: Float64Array): number {
  const len = m.length;
  const extra = kind === KIND_ALIGNED ? 4 : kind === KIND_PARTIAL ? PARTIAL_EXTRA_BYTES : 0;
  const min = HEADER + extra + CRC;
  if (len < 4) return fail(out, StreamCode.TooShort, -1, 0, len, min);
  if (!(m[0] === 0x44 && m[1] === 0x47 && m[2] === 0x50 && m[3] === 0x57)) return fail(out, StreamCode.BadMagic, -1, 0, le32(m, 0));
  if (len < min) return fail(out, StreamCode.TooShort, -1, 0, len, min);
  if (m[4] !== 1) return fail(out, StreamCode.BadVersion, -1, 4, m[4], 1);
  if (m[5] !== kind) return fail(out, StreamCode.BadKind, -1, 5, m[5], kind);
  if (m[6] !== 0 || m[7] !== 0) return fail(out, StreamCode.BadReserved, -1, 6, m[6] | (m[7] << 8));
  if (le32(m, 8) !== len) return fail(out, StreamCode.LengthMismatch, -1, 8, le32(m, 8), len);
  const stored = le32(m, len - CRC);
  const computed = crc32(m, 0, len - CRC);
  if (stored !== computed) return fail(out, StreamCode.CrcMismatch, -1, len - CRC, stored, computed);
  if (le32(m, 12) !== spec.round) return fail(out, StreamCode.RoundMismatch, -1, 12, le32(m, 12), spec.round);
  if (kind === KIND_PARTIAL) {
    if (m[20] !== spec.of) return fail(out, StreamCode.BadPartialHeader, -1, 20, m[20], spec.of);
    if (m[21] !== 0 || m[22] !== 0 || m[23] !== 0) return fail(out, StreamCode.BadReserved, -1, 21, le32(m, 20) >>> 8);
  }
  const idAt = kind === KIND_PARTIAL ? 24 : 20;
  if (kind !== KIND_UPDATE && le32(m, idAt) !== spec.positionsId)
    return fail(out, StreamCode.PositionsMismatch, -1, idAt, le32(m, idAt), spec.positionsId);
  if (le32(m, 16) !== spec.layerCount) return fail(out, StreamCode.LayerCountMismatch, -1, 16, le32(m, 16), spec.layerCount);
  return HEADER + extra;
}

function matchMeta(m: Uint8Array, end: number, c: Cur, spec: StreamSpec, meta: MetaLayer, layer: number, out: Float64Array): number {
  if (meta.len > end - c.pos) return fail(out, StreamCode.LayerMismatch, layer, c.pos);
  const ref = spec.layout;
  for (let k = 0; k < meta.len; k++) if (m[c.pos + k] !== ref[meta.start + k]) return fail(out, StreamCode.LayerMismatch, layer, c.pos);
  c.pos += meta.len;
  return StreamCode.Ok;
}

const POPCOUNT = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1];
  return t;
})();

function validateBitmap(m: Uint8Array, at: number, avail: number, count: number, n: number, layer: number, out: Float64Array): number {
  const bytes = Math.ceil(n / 8);
  if (bytes > avail) return fail(out, StreamCode.IndexTruncated, layer, at, avail, bytes);
  if (n % 8 !== 0) {
    const pad = m[at + bytes - 1] & ~((1 << (n % 8)) - 1) & 0xff;
    if (pad) return fail(out, StreamCode.BitmapPadding, layer, at + bytes - 1, n - (n % 8) + (31 - Math.clz32(pad & -pad)), n);
  }
  let pop = 0;
  for (let i = 0; i < bytes; i++) pop += POPCOUNT[m[at + i]];
  if (pop !== count) return fail(out, StreamCode.CountMismatch, layer, at, pop, count);
  return at + bytes;
}

function validateDelta(m: Uint8Array, at: number, end: number, count: number, n: number, layer: number, out: Float64Array): number {
  const c: Cur = { pos: at, v: 0 };
  let prev = 0;
  for (let j = 0; j < count; j++) {
    const s = readVarint(m, end, c);
    if (s === StreamCode.TruncatedField) return fail(out, StreamCode.IndexTruncated, layer, c.pos, j, count);
    if (s !== StreamCode.Ok) return fail(out, StreamCode.VarintOverflow, layer, c.pos, j);
    if (j > 0 && c.v === 0) return fail(out, StreamCode.NotAscending, layer, c.pos, j);
    const index = (j === 0 ? 0 : prev) + c.v;
    if (index >= n) return fail(out, StreamCode.OutOfRange, layer, c.pos, j, n);
    prev = index;
  }
  return c.pos;
}

function validateValues(m: Uint8Array, end: number, pos: number, count: number, layer: number, out: Float64Array): number {
  if (count > Math.floor((end - pos) / 4)) return fail(out, StreamCode.ValuesTruncated, layer, pos, end - pos, 4 * count);
  for (let j = 0; j < count; j++) if (!finiteF32At(m, pos + 4 * j)) return fail(out, StreamCode.NonFinite, layer, pos + 4 * j, j);
  return StreamCode.Ok;
}

function validateUpdateLayer(m: Uint8Array, end: number, c: Cur, n: number, layer: number, out: Float64Array): number {
  if (c.pos >= end) return fail(out, StreamCode.TruncatedField, layer, c.pos);
  const coding = m[c.pos++];
  if (coding > 1) return fail(out, StreamCode.BadCoding, layer, c.pos - 1, coding);
  const countAt = c.pos;
  const s = readVarint(m, end, c);
  if (s !== StreamCode.Ok) return fail(out, s, layer, countAt);
  const count = c.v;
  if (count > n) return fail(out, StreamCode.CountExceeds, layer, countAt, count, n);
  const r = coding === 0 ? validateBitmap(m, c.pos, end - c.pos, count, n, layer, out) : validateDelta(m, c.pos, end, count, n, layer, out);
  if (r < 0) return r;
  c.pos = r;
  if (validateValues(m, end, c.pos, count, layer, out) !== StreamCode.Ok) return out[0];
  c.pos += 4 * count;
  return StreamCode.Ok;
}

/** Checks one kind-1 or kind-3 message against the spec; writes only `out`. */
export function streamValidate(m: Uint8Array, spec: StreamSpec, out: Float64Array, layers = layoutLayers(spec)): number {
  fail(out, StreamCode.Ok, -1, 0);
  if (!layers || (spec.of !== KIND_UPDATE && spec.of !== KIND_ALIGNED)) return fail(out, StreamCode.BadSpec, -1, 0);
  const body = checkHeader(m, spec, spec.of, out);
  if (body < 0) return body;
  const end = m.length - CRC;
  const c: Cur = { pos: body, v: 0 };
  for (let l = 0; l < layers.length; l++) {
    if (matchMeta(m, end, c, spec, layers[l], l, out) !== StreamCode.Ok) return out[0];
    if (spec.of === KIND_UPDATE) {
      if (validateUpdateLayer(m, end, c, layers[l].n, l, out) !== StreamCode.Ok) return out[0];
    } else {
      if (validateValues(m, end, c.pos, layers[l].n, l, out) !== StreamCode.Ok) return out[0];
      c.pos += 4 * layers[l].n;
    }
  }
  if (c.pos !== end) return fail(out, StreamCode.TrailingBytes, -1, c.pos, end - c.pos);
  return StreamCode.Ok;
}

/** Reads a float32 at any byte offset (values are not 4-byte aligned in a message). */
function f32Reader(m: Uint8Array): DataView {
  return new DataView(m.buffer, m.byteOffset, m.byteLength);
}

function applyUpdateLayer(m: Uint8Array, view: DataView, c: Cur, n: number, w: number, acc: Float64Array, base: number): void {
  const coding = m[c.pos++];
  readVarint(m, m.length, c);
  const count = c.v;
  if (coding === 0) {
    const bytes = Math.ceil(n / 8);
    let vo = c.pos + bytes;
    for (let b = 0; b < bytes; b++) {
      let byte = m[c.pos + b];
      while (byte !== 0) {
        const low = byte & -byte;
        const i = base + b * 8 + (31 - Math.clz32(low));
        acc[i] = acc[i] + w * view.getFloat32(vo, true);
        vo += 4;
        byte ^= low;
      }
    }
    c.pos = vo;
    return;
  }
  // Delta varints: find the values' start first (the varints' total length), then apply.
  const idx: Cur = { pos: c.pos, v: 0 };
  for (let j = 0; j < count; j++) readVarint(m, m.length, idx);
  let vo = idx.pos;
  idx.pos = c.pos;
  let i = 0;
  for (let j = 0; j < count; j++) {
    readVarint(m, m.length, idx);
    i = (j === 0 ? 0 : i) + idx.v;
    acc[base + i] = acc[base + i] + w * view.getFloat32(vo, true);
    vo += 4;
  }
  c.pos = vo;
}

/** streamValidate, then (only when it passes) acc += weight · values; returns the code. */
export function streamAdd(m: Uint8Array, spec: StreamSpec, weight: number, acc: Float64Array, out: Float64Array): number {
  const layers = layoutLayers(spec); // parsed once per call, for the check and the sums
  const code = streamValidate(m, spec, out, layers);
  if (code !== StreamCode.Ok || !layers) return code;
  const view = f32Reader(m);
  const c: Cur = { pos: HEADER + (spec.of === KIND_ALIGNED ? 4 : 0), v: 0 };
  let base = 0;
  for (const meta of layers) {
    c.pos += meta.len;
    if (spec.of === KIND_UPDATE) applyUpdateLayer(m, view, c, meta.n, weight, acc, base);
    else {
      for (let j = 0; j < meta.n; j++) acc[base + j] = acc[base + j] + weight * view.getFloat32(c.pos + 4 * j, true);
      c.pos += 4 * meta.n;
    }
    base += meta.n;
  }
  return StreamCode.Ok;
}

/** Checks a partial aggregate (kind 4); on success out[5] = clients, out[6] = total weight. */
export function partialValidate(m: Uint8Array, spec: StreamSpec, out: Float64Array, layers = layoutLayers(spec)): number {
  fail(out, StreamCode.Ok, -1, 0);
  if (!layers || (spec.of !== KIND_UPDATE && spec.of !== KIND_ALIGNED)) return fail(out, StreamCode.BadSpec, -1, 0);
  const body = checkHeader(m, spec, KIND_PARTIAL, out);
  if (body < 0) return body;
  const view = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const w = view.getFloat64(32, true);
  if (!finiteF64At(m, 32) || !(w >= 0)) return fail(out, StreamCode.BadWeight, -1, 32);
  const end = m.length - CRC;
  const c: Cur = { pos: body, v: 0 };
  for (let l = 0; l < layers.length; l++) {
    if (matchMeta(m, end, c, spec, layers[l], l, out) !== StreamCode.Ok) return out[0];
    const n = layers[l].n;
    if (n > Math.floor((end - c.pos) / 8)) return fail(out, StreamCode.ValuesTruncated, l, c.pos, end - c.pos, 8 * n);
    for (let j = 0; j < n; j++) if (!finiteF64At(m, c.pos + 8 * j)) return fail(out, StreamCode.NonFinite, l, c.pos + 8 * j, j);
    c.pos += 8 * n;
  }
  if (c.pos !== end) return fail(out, StreamCode.TrailingBytes, -1, c.pos, end - c.pos);
  out[5] = le32(m, 28);
  out[6] = w;
  return StreamCode.Ok;
}

/** partialValidate, then acc[i] += sums[i]; acc untouched unless the partial is valid. */
export function partialMerge(m: Uint8Array, spec: StreamSpec, acc: Float64Array, out: Float64Array): number {
  const layers = layoutLayers(spec); // parsed once per call, for the check and the sums
  const code = partialValidate(m, spec, out, layers);
  if (code !== StreamCode.Ok || !layers) return code;
  const view = new DataView(m.buffer, m.byteOffset, m.byteLength);
  let pos = HEADER + PARTIAL_EXTRA_BYTES;
  let base = 0;
  for (const meta of layers) {
    pos += meta.len;
    for (let j = 0; j < meta.n; j++) acc[base + j] = acc[base + j] + view.getFloat64(pos + 8 * j, true);
    pos += 8 * meta.n;
    base += meta.n;
  }
  return StreamCode.Ok;
}
