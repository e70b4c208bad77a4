/**
 * The TypeScript twins of the wire and FL kernels of src/surface/kernels.ts (C++ in
 * native/wire/wire_kernels.cc): same inputs, same outputs, bit for bit (float32 products and
 * sums rounded one at a time, as the C++ does with FMA disabled).
 */
import { CODING_BITMAP, CODING_DELTA, MODE_ALL, MODE_NONE } from '../../surface/kernels';
import { firstNonFinite, readIndices } from '../../format/blocks';

// The index-block decoder and the non-finite scan are the format's reference code (src/format/),
// shared with the wasm glue; this backend serves them as its kernels.
export { firstNonFinite, readIndices };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// Slice-by-8 tables, as in the C++ kernel: CRC_T[k*256 + b].
const CRC_T = (() => {
  const t = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++)
    for (let k = 1; k < 8; k++) t[k * 256 + b] = (t[(k - 1) * 256 + b] >>> 8) ^ t[t[(k - 1) * 256 + b] & 0xff];
  return t;
})();

/** CRC-32 (IEEE, reflected 0xEDB88320, init/final xor 0xFFFFFFFF) of bytes[start, end). */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  let i = start;
  const t = CRC_T;
  for (; i + 8 <= end; i += 8) {
    const a = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) ^ c;
    c =
      t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^ t[1280 + ((a >>> 16) & 0xff)] ^ t[1024 + (a >>> 24)] ^
      t[768 + bytes[i + 4]] ^ t[512 + bytes[i + 5]] ^ t[256 + bytes[i + 6]] ^ t[bytes[i + 7]];
  }
  for (; i < end; i++) c = (c >>> 8) ^ t[(c ^ bytes[i]) & 0xff];
  return (c ^ 0xffffffff) >>> 0;
}

function varintLen(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Bytes of the delta-varint coding, or -(j + 1) for the first index j not ascending or >= n. */
export function deltaSize(indices: Uint32Array, n: number): number {
  let size = 0;
  let prev = 0;
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    if (i >= n || (j > 0 && i <= prev)) return -(j + 1);
    size += varintLen(j === 0 ? i : i - prev);
    prev = i;
  }
  return size;
}

/** Writes the index block at out[offset]; returns its end, or -1 (bad index or no room). */
export function writeIndices(out: Uint8Array, offset: number, indices: Uint32Array, n: number, coding: number): number {
  if (coding === CODING_BITMAP) {
    const bytes = Math.ceil(n / 8);
    if (bytes > out.length - offset) return -1;
    out.fill(0, offset, offset + bytes);
    let prev = 0;
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (i >= n || (j > 0 && i <= prev)) return -1;
      out[offset + (i >>> 3)] |= 1 << (i & 7);
      prev = i;
    }
    return offset + bytes;
  }
  if (coding !== CODING_DELTA) return -1;
  const size = deltaSize(indices, n);
  if (size < 0 || size > out.length - offset) return -1;
  let o = offset;
  let prev = 0;
  for (let j = 0; j < indices.length; j++) {
    let v = j === 0 ? indices[j] : indices[j] - prev;
    prev = indices[j];
    while (v >= 0x80) {
      out[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[o++] = v;
  }
  return o;
}

/** Copies out.length little-endian float32 from bytes[offset]; -1 or the first NaN/Inf. */
export function readValues(bytes: Uint8Array, offset: number, out: Float32Array): number {
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer, out.byteOffset, out.length * 4).set(bytes.subarray(offset, offset + out.length * 4));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, out.length * 4);
    for (let j = 0; j < out.length; j++) out[j] = view.getFloat32(j * 4, true);
  }
  return firstNonFinite(out);
}

/** dst[i[j]] = v[j], or dst[i[j]] = dst[i[j]] + fround(w·v[j]); -1 or the first j out of range. */
export function scatter(dst: Float32Array, indices: Uint32Array, values: Float32Array, weight: number, add: boolean): number {
  const n = dst.length;
  const w = Math.fround(weight);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    if (i >= n) return j;
    // A Float32Array store rounds the double sum once; double rounding is exact for + and ×.
    dst[i] = add ? dst[i] + Math.fround(w * values[j]) : values[j];
  }
  return -1;
}

/** acc[j] = acc[j] + fround(w·v[j]). */
export function axpy(acc: Float32Array, values: Float32Array, weight: number): void {
  const w = Math.fround(weight);
  for (let j = 0; j < acc.length; j++) acc[j] = acc[j] + Math.fround(w * values[j]);
}

/** out = a + b in float32. */
export function add(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
}

/** e = p where kept in memory by the mode (0 bottom, 1 all, 2 none), else +0. */
export function memoryUpdate(p: Float32Array, codes: Uint8Array, mode: number, e: Float32Array): void {
  if (mode === MODE_NONE) {
    e.fill(0);
    return;
  }
  const keepTop = mode === MODE_ALL ? 2 : 0xff;
  for (let i = 0; i < p.length; i++) {
    const c = codes[i];
    e[i] = c === 0 || c === keepTop ? p[i] : 0;
  }
}

/** ADGP gather (see surface.ts): -1, or the first j with positions[j] >= n. */
export function alignedGather(p: Float32Array, codes: Uint8Array, positions: Uint32Array, values: Float32Array): number {
  const n = p.length;
  for (let i = 0; i < n; i++) codes[i] = codes[i] === 2 ? 2 : 0;
  for (let j = 0; j < positions.length; j++) {
    const i = positions[j];
    if (i >= n) return j;
    if (codes[i] === 2) values[j] = 0;
    else {
      codes[i] = 1;
      values[j] = p[i];
    }
  }
  return -1;
}
