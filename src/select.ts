/**
 * The raw, backend-independent entry points: validate, pick a backend, run the kernel, report
 * bad values with the layer's name. Everything above (tfjs ops, error feedback, ADGP) calls
 * selectLayers().
 */
import { nativeBinding, resolveBackend, getThreads, BackendName } from './backend';
import { checkCounts } from './counts';
import { DgpError, describeValue } from './errors';
import { findCut, writeCodes, writeKept } from './kernels/ts_select';
import { wasmSelectLayers } from './wasm/kernels';

/** One layer to select: a flat float32 view (any byte offset) and its counts. */
export interface LayerInput {
  /** Used in error messages; the layer's position is used when absent. */
  name?: string;
  values: Float32Array;
  kTop: number;
  kBottom: number;
  /**
   * Caller-owned output arrays to fill instead of allocating new ones (reuse them across rounds
   * to skip allocation and page faults). Each must have the output's length and must not overlap
   * `values`; outputs not given here are allocated.
   */
  out?: LayerSelection;
}

/** Which outputs to produce. */
export interface SelectWant {
  codes?: boolean;
  pruned?: boolean;
  /** keptIndices + keptValues (the sparse kept set). */
  sparse?: boolean;
}

export interface LayerSelection {
  /** 0 bottom-removed, 1 kept, 2 top-removed. */
  codes?: Uint8Array;
  /** Kept values in place, +0 elsewhere. */
  pruned?: Float32Array;
  /** Ascending indices of the kept set. */
  keptIndices?: Uint32Array;
  /** Values at keptIndices, bit-for-bit the input. */
  keptValues?: Float32Array;
}

export function layerLabel(layer: { name?: string }, position: number): string {
  return layer.name !== undefined ? `layer '${layer.name}'` : `layer ${position}`;
}

function badValueError(caller: string, layers: LayerInput[], position: number, index: number): RangeError {
  const v = layers[position].values[index];
  return new RangeError(
    `${caller}: ${layerLabel(layers[position], position)} holds ${describeValue(v)} at index ${index}; ` +
      'gradients must be finite',
  );
}

/** Validates inputs and counts; returns the total element count. */
function checkLayers(layers: unknown, caller: string): number {
  if (!Array.isArray(layers)) throw new TypeError(`${caller}: layers must be an Array, got ${describeValue(layers)}`);
  let total = 0;
  layers.forEach((layer: LayerInput, i) => {
    if (layer === null || typeof layer !== 'object')
      throw new TypeError(`${caller}: layers[${i}] must be {values, kTop, kBottom}, got ${describeValue(layer)}`);
    if (!(layer.values instanceof Float32Array))
      throw new TypeError(`${caller}: ${layerLabel(layer, i)} values must be a Float32Array, got ${describeValue(layer.values)}`);
    if (layer.values.length > 0xffffffff)
      throw new RangeError(`${caller}: ${layerLabel(layer, i)} has ${layer.values.length} elements; at most 2^32-1 are supported`);
    checkCounts(layer.values.length, layer.kTop, layer.kBottom, `${caller}: ${layerLabel(layer, i)}`);
    total += layer.values.length;
  });
  return total;
}

// Output arrays skip the zero fill of `new TypedArray(n)` (a tenth of a nanosecond per element
// at 10^7): every backend writes every element, and on an error the arrays are dropped unseen.
function uninitialised(bytes: number): ArrayBuffer {
  const b = Buffer.allocUnsafeSlow(bytes); // its own ArrayBuffer, offset 0
  return b.buffer as ArrayBuffer;
}

type OutputKey = keyof LayerSelection;
const OUTPUT_TYPES: Record<OutputKey, { ctor: Function; name: string }> = {
  codes: { ctor: Uint8Array, name: 'Uint8Array' },
  pruned: { ctor: Float32Array, name: 'Float32Array' },
  keptIndices: { ctor: Uint32Array, name: 'Uint32Array' },
  keptValues: { ctor: Float32Array, name: 'Float32Array' },
};

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** A caller-given output array, checked; or undefined when the caller gave none. */
function given(layer: LayerInput, position: number, key: OutputKey, length: number, caller: string): ArrayBufferView | undefined {
  const arr = layer.out?.[key] as unknown;
  if (arr === undefined) return undefined;
  const where = `${caller}: ${layerLabel(layer, position)} out.${key}`;
  const { ctor, name } = OUTPUT_TYPES[key];
  if (!(arr instanceof ctor)) throw new TypeError(`${where} must be a ${name}, got ${describeValue(arr)}`);
  const view = arr as ArrayBufferView & { length: number };
  if (view.length !== length) throw new RangeError(`${where} must hold ${length} elements, got ${view.length}`);
  if (overlaps(view, layer.values)) throw new RangeError(`${where} overlaps the layer's values; inputs are read-only`);
  return view;
}

function allocate(layer: LayerInput, position: number, want: SelectWant, caller: string): LayerSelection {
  const n = layer.values.length;
  const kept = n - layer.kTop - layer.kBottom;
  const out: LayerSelection = {};
  if (layer.out !== undefined && (layer.out === null || typeof layer.out !== 'object'))
    throw new TypeError(`${caller}: ${layerLabel(layer, position)} out must be an object of output arrays, got ${describeValue(layer.out)}`);
  if (want.codes) out.codes = (given(layer, position, 'codes', n, caller) as Uint8Array) ?? new Uint8Array(uninitialised(n), 0, n);
  if (want.pruned)
    out.pruned = (given(layer, position, 'pruned', n, caller) as Float32Array) ?? new Float32Array(uninitialised(4 * n), 0, n);
  if (want.sparse) {
    out.keptIndices =
      (given(layer, position, 'keptIndices', kept, caller) as Uint32Array) ?? new Uint32Array(uninitialised(4 * kept), 0, kept);
    out.keptValues =
      (given(layer, position, 'keptValues', kept, caller) as Float32Array) ?? new Float32Array(uninitialised(4 * kept), 0, kept);
  }
  const arrays = Object.values(out) as ArrayBufferView[];
  arrays.forEach((a, i) => {
    if (arrays.slice(i + 1).some((b) => overlaps(a, b)))
      throw new RangeError(`${caller}: ${layerLabel(layer, position)} output arrays in out must not overlap each other`);
  });
  return out;
}

function runTs(layers: LayerInput[], outs: LayerSelection[], caller: string): void {
  // Find every cut first so a bad value anywhere leaves no output behind.
  const cuts = layers.map((layer, i) => {
    const cut = findCut(layer.values, layer.kTop, layer.kBottom);
    if ('badIndex' in cut) throw badValueError(caller, layers, i, cut.badIndex);
    return cut;
  });
  layers.forEach((layer, i) => {
    const o = outs[i];
    if (o.codes) writeCodes(layer.values, cuts[i], o.codes);
    if (o.pruned || o.keptIndices) writeKept(layer.values, cuts[i], o.pruned ?? null, o.keptIndices ?? null, o.keptValues ?? null);
  });
}

function runNative(layers: LayerInput[], outs: LayerSelection[], caller: string, device: 'cpu' | 'cuda' | 'wasm'): void {
  const binding = nativeBinding();
  if (!binding && device !== 'wasm') throw new DgpError(`${caller}: the native addon is not loaded`);
  const select =
    device === 'wasm'
      ? (v: Float32Array[], t: number[], b: number[], o: Parameters<typeof wasmSelectLayers>[3]) => wasmSelectLayers(v, t, b, o)
      : (v: Float32Array[], t: number[], b: number[], o: Parameters<typeof wasmSelectLayers>[3]) => binding!.selectLayers(v, t, b, o, getThreads(), device);
  const bad = select(
    layers.map((l) => l.values),
    layers.map((l) => l.kTop),
    layers.map((l) => l.kBottom),
    {
      codes: outs.map((o) => o.codes ?? null),
      pruned: outs.map((o) => o.pruned ?? null),
      keptIndices: outs.map((o) => o.keptIndices ?? null),
      keptValues: outs.map((o) => o.keptValues ?? null),
    },
  );
  if (bad) throw badValueError(caller, layers, bad.layer, bad.index);
}

/**
 * Dual top/bottom-k selection of many layers in one call (one native call for the whole model).
 * Throws RangeError for a NaN/Inf (naming the layer and index) before returning anything.
 */
export function selectLayers(layers: LayerInput[], want: SelectWant, caller = 'selectLayers', backend?: BackendName): LayerSelection[] {
  const total = checkLayers(layers, caller);
  const outs = layers.map((l, i) => allocate(l, i, want, caller));
  const chosen = backend ?? resolveBackend(total);
  if (chosen === 'ts') runTs(layers, outs, caller);
  else runNative(layers, outs, caller, chosen === 'native' ? 'cpu' : chosen);
  return outs;
}

/**
 * SPEC §10: class codes of one layer (0 bottom-removed, 1 kept, 2 top-removed). `out`, when
 * given, is filled and returned instead of a new array.
 */
export function dualTopBottomK(values: Float32Array, kTop: number, kBottom: number, out?: Uint8Array): Uint8Array {
  if (!(values instanceof Float32Array))
    throw new TypeError(`dualTopBottomK: values must be a Float32Array, got ${describeValue(values)}`);
  const layer: LayerInput = out === undefined ? { values, kTop, kBottom } : { values, kTop, kBottom, out: { codes: out } };
  return selectLayers([layer], { codes: true }, 'dualTopBottomK')[0].codes!;
}
