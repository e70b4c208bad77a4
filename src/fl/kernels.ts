/**
 * Picks the native or TypeScript twin of each FL kernel. The choice follows the package's backend
 * (SPEC §9: setBackend / DGP_BACKEND / automatic): 'ts' runs the TypeScript kernels, 'native' and
 * 'cuda' run the C++ ones (there are no GPU wire kernels: these loops are memory-bound and
 * cheaper than a device copy). An addon built before these kernels existed falls back to 'ts'.
 */
import { nativeBinding, resolveBackend } from '../backend';
import type { NativeWireBinding } from '../native/binding';
import { wasmFlKernels } from '../wasm/kernels';
import * as ts from './kernels_ts';

export interface FlKernels {
  readonly name: 'native' | 'wasm' | 'ts';
  crc32(bytes: Uint8Array, start: number, end: number): number;
  deltaSize(indices: Uint32Array, n: number): number;
  writeIndices(out: Uint8Array, offset: number, indices: Uint32Array, n: number, coding: number): number;
  readIndices(bytes: Uint8Array, offset: number, end: number, coding: number, n: number, out: Uint32Array): number;
  readValues(bytes: Uint8Array, offset: number, out: Float32Array): number;
  firstNonFinite(values: Float32Array): number;
  scatter(dst: Float32Array, indices: Uint32Array, values: Float32Array, weight: number, add: boolean): number;
  axpy(acc: Float32Array, values: Float32Array, weight: number): void;
  add(a: Float32Array, b: Float32Array, out: Float32Array): void;
  memoryUpdate(p: Float32Array, codes: Uint8Array, mode: number, e: Float32Array): void;
  alignedGather(p: Float32Array, codes: Uint8Array, positions: Uint32Array, values: Float32Array): number;
}

const tsKernels: FlKernels = {
  name: 'ts',
  crc32: ts.crc32,
  deltaSize: ts.deltaSize,
  writeIndices: ts.writeIndices,
  readIndices: ts.readIndices,
  readValues: ts.readValues,
  firstNonFinite: ts.firstNonFinite,
  scatter: ts.scatter,
  axpy: ts.axpy,
  add: ts.add,
  memoryUpdate: ts.memoryUpdate,
  alignedGather: ts.alignedGather,
};

let nativeKernels: FlKernels | null | undefined;

function loadNativeKernels(): FlKernels | null {
  const b = nativeBinding() as unknown as Partial<NativeWireBinding> | null;
  if (!b || typeof b.wireCrc32 !== 'function' || typeof b.wireAlignedGather !== 'function') return null;
  const w = b as NativeWireBinding;
  return {
    name: 'native',
    crc32: (bytes, start, end) => w.wireCrc32(bytes, start, end),
    deltaSize: (indices, n) => w.wireDeltaSize(indices, n),
    writeIndices: (out, offset, indices, n, coding) => w.wireWriteIndices(out, offset, indices, n, coding),
    readIndices: (bytes, offset, end, coding, n, out) => w.wireReadIndices(bytes, offset, end, coding, n, out),
    readValues: (bytes, offset, out) => w.wireReadValues(bytes, offset, out),
    firstNonFinite: (values) => w.wireFirstNonFinite(values),
    scatter: (dst, indices, values, weight, add) => w.wireScatter(dst, indices, values, weight, add),
    axpy: (acc, values, weight) => w.wireAxpy(acc, values, weight),
    add: (a, b2, out) => w.wireAdd(a, b2, out),
    memoryUpdate: (p, codes, mode, e) => w.wireMemoryUpdate(p, codes, mode, e),
    alignedGather: (p, codes, positions, values) => w.wireAlignedGather(p, codes, positions, values),
  };
}

/** Whether the loaded addon carries the FL kernels. */
export function nativeFlAvailable(): boolean {
  if (nativeKernels === undefined) nativeKernels = loadNativeKernels();
  return nativeKernels !== null;
}

/** The kernels for a call touching `elements` elements under the current backend choice. */
export function flKernels(elements: number): FlKernels {
  const backend = resolveBackend(elements);
  if (backend === 'wasm') return wasmFlKernels;
  if (backend === 'ts' || !nativeFlAvailable()) return tsKernels;
  return nativeKernels!;
}

/** The TypeScript kernels (used to explain an error the native path reported). */
export const tsFlKernels: FlKernels = tsKernels;
