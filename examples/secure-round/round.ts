/**
 * What the example's server and clients agree on: the settings and the few bytes around the
 * secure-aggregation messages (the package's own messages travel inside as they are).
 *
 *   setup   [0] [round u32] [weights: count u32, count × f32] [positions message, or nothing for a dense round]
 *           the client replies with no bytes once its input is ready
 *   secagg  [1] [a SecAggServer message]   the client replies with its SecAggClient message
 *   bye     [2]                            no reply; the client stops
 */
export const TAG_SETUP = 0;
export const TAG_SECAGG = 1;
export const TAG_BYE = 2;

/** ADGP: each client withholds its own top 1%; the broadcast positions are the aggregate's middle 10%. */
export const CONFIG = { topRatio: 0.01, bottomRatio: 0.89 };
/** The distributed-noise settings every client and the server share (main.ts may change z and minClients). */
export interface RoundPrivacy {
  clipNorm: number;
  noiseMultiplier: number;
  minClients: number;
  maxClients: number;
}
/** Every client clips its update to norm 1; the sum over >= minClients clients carries noise z·clipNorm. */
export const ROUND_PRIVACY: RoundPrivacy = { clipNorm: 1, noiseMultiplier: 1, minClients: 3, maxClients: 64 };
export const DELTA = 1e-5;

export function encodeSetup(round: number, weights: Float32Array, positions: Uint8Array | null): Uint8Array {
  const out = new Uint8Array(9 + 4 * weights.length + (positions?.length ?? 0));
  const view = new DataView(out.buffer);
  out[0] = TAG_SETUP;
  view.setUint32(1, round, true);
  view.setUint32(5, weights.length, true);
  for (let i = 0; i < weights.length; i++) view.setFloat32(9 + 4 * i, weights[i], true);
  if (positions) out.set(positions, 9 + 4 * weights.length);
  return out;
}

export function decodeSetup(bytes: Uint8Array): { round: number; weights: Float32Array; positions: Uint8Array | null } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const round = view.getUint32(1, true);
  const count = view.getUint32(5, true);
  const weights = new Float32Array(count);
  for (let i = 0; i < count; i++) weights[i] = view.getFloat32(9 + 4 * i, true);
  const rest = bytes.subarray(9 + 4 * count);
  return { round, weights, positions: rest.length > 0 ? rest.slice() : null };
}

export function secaggMessage(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + bytes.length);
  out[0] = TAG_SECAGG;
  out.set(bytes, 1);
  return out;
}
