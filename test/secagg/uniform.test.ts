/**
 * A masked upload looks uniform (docs/SECAGG.md, "What the server learns"): the χ² statistic
 * over the 256 byte values of the masked vector of a constant input stays in the range of
 * uniform bytes, and the same test flags the unmasked input and a mask left out. Two uploads of
 * the same input share no structure.
 */
import { SecAggServer, SecAggClient } from '../../src/secagg';
import { HEADER_BYTES, TRAILER_BYTES } from '../../src/secagg/messages';
import { decodeIntegerUpdate } from '../../src/fl/integer';

const L = 1 << 16; // 262144 bytes: 1024 expected per byte value

/** χ² over byte values (255 degrees of freedom: mean 255, sd 22.6). */
function chiSquare(bytes: Uint8Array): number {
  const counts = new Float64Array(256);
  for (const b of bytes) counts[b]++;
  const e = bytes.length / 256;
  let x = 0;
  for (const c of counts) x += ((c - e) * (c - e)) / e;
  return x;
}
/** 255 dof: P(χ² > 373) ≈ 1e-6. */
const CRITICAL = 373;

async function maskedUploads(n: number, input: Uint32Array, seed: number): Promise<Uint8Array[]> {
  const server = new SecAggServer({ round: 4, length: L, threshold: 2, clients: n, unsafeSeed: seed });
  const clients = server.clients.map((id) => new SecAggClient({ id, round: 4, length: L, input, unsafeSeed: seed * 1000 + id }));
  const uploads: Uint8Array[] = [];
  for (let stage = 0; stage < 3; stage++) {
    for (const [id, msg] of server.messages()) {
      const a = await clients[id].respond(msg);
      if (stage === 2) {
        // the body is a kind-5 integer update: take its masked values
        const values = decodeIntegerUpdate(a.subarray(HEADER_BYTES, a.length - TRAILER_BYTES)).layers[0].values;
        uploads.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      }
      server.receive(a);
    }
    await server.advance();
  }
  return uploads;
}

test('masked uploads of a constant input are uniform bytes (χ²), the input itself is not', async () => {
  const constant = new Uint32Array(L).fill(0x01020304);
  const uploads = await maskedUploads(3, constant, 60);
  for (const u of uploads) expect(chiSquare(u)).toBeLessThan(CRITICAL);
  expect(chiSquare(new Uint8Array(constant.buffer))).toBeGreaterThan(1e6);
  // uploads of the same input differ everywhere but by chance (2^-32 per word)
  const a = new Uint32Array(uploads[0].slice().buffer);
  const b = new Uint32Array(uploads[1].slice().buffer);
  let same = 0;
  for (let i = 0; i < L; i++) if (a[i] === b[i]) same++;
  expect(same).toBeLessThan(3);
  // the difference of two uploads (what a server could form) is uniform too
  const d = new Uint32Array(L);
  for (let i = 0; i < L; i++) d[i] = a[i] - b[i];
  expect(chiSquare(new Uint8Array(d.buffer))).toBeLessThan(CRITICAL);
});

test('the χ² check can fail: a vector masked with only a short-period pattern is flagged', () => {
  const weak = new Uint32Array(L);
  for (let i = 0; i < L; i++) weak[i] = 0x01020304 + (i % 7) * 0x01010101;
  expect(chiSquare(new Uint8Array(weak.buffer))).toBeGreaterThan(CRITICAL);
});
