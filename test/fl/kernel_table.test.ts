/**
 * The plain kernels' one table (native/glue/kernel_table.h) drives both glues: the WebAssembly
 * module describes exactly the surface's names that have no glue of their own, and the addon
 * exports them all, with the glues' one wording for a refused argument.
 */
import { backendInfo, nativeBinding } from '../../src/backend';
import { KERNEL_NAMES, type Kernels } from '../../src/surface/kernels';
import { wasmKernels as wasm } from '../../src/backends/wasm/kernels';
import { wasmExports } from '../../src/backends/wasm/module';
import { DEDICATED_KERNELS, TABLE_KERNEL_NAMES, kernelTable } from '../../src/backends/wasm/table_glue';

const native: Kernels | null = backendInfo().available.native ? nativeBinding() : null;
const both: Array<[string, Kernels]> = native ? [['native', native], ['wasm', wasm]] : [['wasm', wasm]];

test("the wasm module's kernel table is the surface's plain kernels, in the surface's order", () => {
  const w = wasmExports();
  expect(w).not.toBeNull();
  expect([...kernelTable(w!).keys()]).toEqual(TABLE_KERNEL_NAMES);
  expect([...TABLE_KERNEL_NAMES, ...DEDICATED_KERNELS].sort()).toEqual([...KERNEL_NAMES].sort());
  for (const [, e] of kernelTable(w!)) expect(e.args).toMatch(/^[abcdeABCDEnxz]+$/);
});

describe.each(both)('%s: the generated glue guards memory with one wording', (_name, k) => {
  const msg = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
    return 'no error';
  };
  test('kinds are TypeErrors, bounds RangeErrors, naming the argument', () => {
    expect(msg(() => k.crc32(new Float32Array(2) as never, 0, 1))).toBe('TypeError: crc32: argument 1 must be a Uint8Array, got Float32Array(2)');
    expect(msg(() => k.crc32(new Uint8Array(10), 0, 11))).toBe('RangeError: crc32: argument 3 is out of bounds (the range [start, end) must lie within bytes)');
    expect(msg(() => k.crc32(new Uint8Array(10), 0.5, 1))).toBe('RangeError: crc32: argument 2 is out of bounds (not an integer in [0, 2^53), got 0.5)');
    expect(msg(() => k.axpy(new Float32Array(2), new Float32Array(3), 1))).toBe('RangeError: axpy: argument 2 is out of bounds (acc and values must have one length)');
    expect(msg(() => k.scatter(new Float32Array(2), new Uint32Array(1), new Float32Array(1), 'w' as never, true))).toBe('TypeError: scatter: argument 4 must be a number, got "w"');
  });
  test('a refused call writes nothing', () => {
    const e = Float32Array.of(7, 7);
    expect(msg(() => k.memoryUpdate(Float32Array.of(1, 2), Uint8Array.of(0, 0), 3, e))).toBe('RangeError: memoryUpdate: argument 3 is out of bounds (mode must be 0, 1 or 2)');
    expect([...e]).toEqual([7, 7]);
  });
});
