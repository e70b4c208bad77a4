/**
 * The golden vectors pinned under test/fixtures/wire/ (docs/FORMAT.md walks through the first).
 * `DGP_WRITE_GOLDEN=1 npx jest test/fl/wire` rewrites the .bin files from these inputs; without
 * it the test checks that encoding reproduces them byte for byte and decoding gives the inputs.
 */
import type { AlignedPositions, AlignedValues, IntegerUpdate, Update } from '../../src/fl';

export const UPDATE_SMALL: Update = {
  round: 7,
  layers: [
    // n = 4, 2 kept: bitmap (1 byte) beats delta varints (2 bytes)
    { name: 'b', shape: [4], indices: Uint32Array.of(1, 3), values: Float32Array.of(0.5, -2) },
    // n = 600, 3 kept: delta varints (1 + 1 + 2 bytes) beat a 75-byte bitmap
    { name: 'w', shape: [2, 300], indices: Uint32Array.of(5, 130, 599), values: Float32Array.of(1.25, -0, 0.1) },
    // a scalar (rank 0, n = 1): 1 byte either way, ties go to the bitmap
    { name: 's', shape: [], indices: Uint32Array.of(0), values: Float32Array.of(42) },
  ],
};

export const UPDATE_EMPTY: Update = { round: 0, layers: [] };

export const POSITIONS: AlignedPositions = {
  round: 3,
  layers: [{ name: 'dense/kernel', shape: [4, 4], indices: Uint32Array.of(0, 1, 2, 3, 8) }],
};

/** positionsId is the CRC-32 trailer of positions.bin (checked by the test). */
export const ALIGNED = (positionsId: number): AlignedValues => ({
  round: 3,
  positionsId,
  layers: [{ name: 'dense/kernel', values: Float32Array.of(1, 2, 0, -1, 0.25) }],
});

/** integer-dense.bin: kind 5, dense layers (positionsId 0); values are any u32. */
export const INTEGER_DENSE: IntegerUpdate = {
  round: 9,
  layers: [
    { name: 'b', shape: [2], values: Uint32Array.of(1, 0xffffffff) },
    { name: 's', shape: [], values: Uint32Array.of(0x80000000) },
  ],
};

/** integer-aligned.bin: kind 5 on the positions of positions.bin (positionsId its CRC-32). */
export const INTEGER_ALIGNED = (positionsId: number): IntegerUpdate => ({
  round: 3,
  positionsId,
  layers: [{ name: 'dense/kernel', values: Uint32Array.of(0, 1, 0xfffffffe, 7, 0x12345678) }],
});

/** The second client of modular-partial.bin (the first is INTEGER_DENSE): sums wrap mod 2^32. */
export const INTEGER_DENSE_2: IntegerUpdate = {
  round: 9,
  layers: [
    { name: 'b', shape: [2], values: Uint32Array.of(2, 3) },
    { name: 's', shape: [], values: Uint32Array.of(0x80000001) },
  ],
};
