/** A minimal PNG encoder (8-bit grayscale, no interlace) using node's zlib: no dependencies. */
import * as zlib from 'zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encode a grayscale image; `pixels` holds width*height values in [0, 1] (clipped). */
export function encodePng(pixels: ArrayLike<number>, width: number, height: number): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x];
      raw[y * (width + 1) + 1 + x] = Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : v));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 0; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Tile 28x28 images into a grid (rows x cols, 2 px gaps, mid-grey background). */
export function tile(images: Array<Array<Float32Array | null>>, size = 28, gap = 2): { pixels: Float32Array; width: number; height: number } {
  const rows = images.length;
  const cols = Math.max(...images.map((r) => r.length));
  const width = cols * (size + gap) + gap;
  const height = rows * (size + gap) + gap;
  const pixels = new Float32Array(width * height).fill(0.5);
  images.forEach((row, r) => row.forEach((img, c) => {
    if (!img) return;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++)
      pixels[(gap + r * (size + gap) + y) * width + gap + c * (size + gap) + x] = img[y * size + x];
  }));
  return { pixels, width, height };
}
