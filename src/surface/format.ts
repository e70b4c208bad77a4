/**
 * The wire format's constants (docs/FORMAT.md is the normative text), defined once for every
 * reader and writer: the FL layer (src/fl/), the TypeScript streaming kernels
 * (src/backends/ts/stream.ts) and, by the same numbers, native/wire.
 */

export const MAGIC = [0x44, 0x47, 0x50, 0x57]; // "DGPW"
export const FORMAT_VERSION = 1;

/** Message kinds (header byte 5). */
export const KIND_UPDATE = 1;
export const KIND_POSITIONS = 2;
export const KIND_ALIGNED = 3;
export const KIND_PARTIAL = 4;
/** Integer vectors mod 2^32 at public positions (secure aggregation's input; docs/FORMAT.md kind 5). */
export const KIND_INTEGER = 5;
/** Sums mod 2^32 of integer updates and their client count (docs/FORMAT.md kind 6). */
export const KIND_MODULAR_PARTIAL = 6;
export const KIND_NAMES: Record<number, string> = { 1: 'update', 2: 'positions', 3: 'aligned values', 5: 'integer update', 6: 'modular partial aggregate' };
/**
 * Bytes between the common header and the first layer: kind 3 and 5 positionsId; kind 6
 * positionsId and clients. (Kind 4's is PARTIAL_EXTRA_BYTES.)
 */
export const EXTRA_HEADER_BYTES: Record<number, number> = { 3: 4, 5: 4, 6: 8 };

/** magic 4, version 1, kind 1, reserved 2, total length 4, round 4, layer count 4. */
export const HEADER_BYTES = 20;
/** A partial aggregate's header after the common one: of, reserved 3, positionsId, clients, weight f64. */
export const PARTIAL_EXTRA_BYTES = 20;
export const CRC_BYTES = 4;
export const MAX_NAME_BYTES = 1024;
export const MAX_RANK = 16;
export const MAX_U32 = 0xffffffff;

/** `0x` and 8 hex digits. */
export function hex32(v: number): string {
  return '0x' + v.toString(16).padStart(8, '0');
}
