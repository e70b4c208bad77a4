/**
 * Picks the native (native/addon/stream_binding.cc over native/wire/stream_aggregate.cc) or the
 * TypeScript (stream_ts.ts) streaming-aggregation kernels; both give the same bits. The choice
 * follows the package backend (setBackend / DGP_BACKEND), as the other FL kernels do.
 */
import { nativeBinding, resolveBackend } from '../backend';
import * as ts from './stream_ts';
import type { StreamSpec } from './stream_ts';

export interface StreamKernels {
  readonly name: 'native' | 'ts';
  /** Validates the message in full, then adds weight · values into acc; returns the code. */
  streamAdd(msg: Uint8Array, spec: StreamSpec, weight: number, acc: Float64Array, out: Float64Array): number;
  /** Validates the partial in full, then adds its sums into acc; out[5], out[6] = clients, weight. */
  partialMerge(msg: Uint8Array, spec: StreamSpec, acc: Float64Array, out: Float64Array): number;
  /** streamAdd off the calling thread (native only); msg, acc and out must stay untouched until it settles. */
  streamAddAsync?(msg: Uint8Array, spec: StreamSpec, weight: number, acc: Float64Array, out: Float64Array): Promise<number>;
}

/** The addon's functions (native/addon/stream_binding.cc); head = [of, round, positionsId, layerCount, total]. */
interface NativeStreamBinding {
  streamAdd(msg: Uint8Array, layout: Uint8Array, head: Float64Array, weight: number, acc: Float64Array, out: Float64Array): number;
  partialMerge(msg: Uint8Array, layout: Uint8Array, head: Float64Array, acc: Float64Array, out: Float64Array): number;
  streamAddAsync?(msg: Uint8Array, layout: Uint8Array, head: Float64Array, weight: number, acc: Float64Array, out: Float64Array): Promise<number>;
}

const tsKernels: StreamKernels = { name: 'ts', streamAdd: ts.streamAdd, partialMerge: ts.partialMerge };

const heads = new WeakMap<StreamSpec, Float64Array>();
function head(spec: StreamSpec): Float64Array {
  let h = heads.get(spec);
  if (!h) {
    h = Float64Array.of(spec.of, spec.round, spec.positionsId, spec.layerCount, spec.total);
    heads.set(spec, h);
  }
  return h;
}

let nativeKernels: StreamKernels | null | undefined;

function loadNative(): StreamKernels | null {
  const b = nativeBinding() as unknown as Partial<NativeStreamBinding> | null;
  if (!b || typeof b.streamAdd !== 'function' || typeof b.partialMerge !== 'function') return null;
  const n = b as NativeStreamBinding;
  return {
    name: 'native',
    streamAdd: (msg, spec, weight, acc, out) => n.streamAdd(msg, spec.layout, head(spec), weight, acc, out),
    partialMerge: (msg, spec, acc, out) => n.partialMerge(msg, spec.layout, head(spec), acc, out),
    streamAddAsync: typeof n.streamAddAsync === 'function' ? (msg, spec, weight, acc, out) => n.streamAddAsync!(msg, spec.layout, head(spec), weight, acc, out) : undefined,
  };
}

/** Whether the loaded addon carries the streaming kernels. */
export function nativeStreamAvailable(): boolean {
  if (nativeKernels === undefined) nativeKernels = loadNative();
  return nativeKernels !== null;
}

/** The kernels for work over `elements` elements under the current backend choice. */
export function streamKernels(elements: number): StreamKernels {
  // The wasm module does not carry the streaming kernels (a server-side job): 'wasm' runs the
  // TypeScript twin, never the addon, so a forced backend is what runs.
  const backend = resolveBackend(elements);
  if (backend === 'ts' || backend === 'wasm' || !nativeStreamAvailable()) return tsKernels;
  return nativeKernels!;
}
