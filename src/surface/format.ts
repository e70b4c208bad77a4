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
export const KIND_NAMES: Record<number, string> = { 1: 'update', 2: 'positions', 3: 'aligned values' };

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
