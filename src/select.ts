/**
 * The raw, backend-independent entry points: validate, pick a backend, run the kernel, report
 * bad values with the layer's name. Everything above (tfjs ops, error feedback, ADGP) calls
 * selectLayers().
 */
import { kernelsOf, resolveBackend, getThreads, BackendName } from './backend';
import { checkCounts } from './counts';
import { describeValue } from './errors';
import type { BadValue } from './kernels/surface';
import { platform } from './platform';
import { readArray, readChoice, readFlag, readObject, readTyped } from './read';

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

const MAX_LABEL = 60;

export function layerLabel(layer: { name?: string }, position: number): string {
  const name = layer.name;
  if (name === undefined) return `layer ${position}`;
  return `layer '${name.length <= MAX_LABEL ? name : `${name.slice(0, MAX_LABEL)}…`}'`;
}

/** One layer read once into plain values: `write` holds views to fill, `result` what is returned. */
interface Job {
  name: string | undefined;
  label: string;
  values: Float32Array;
  kTop: number;
  kBottom: number;
  write: LayerSelection;
  result: LayerSelection;
  /** Whether any output array is the caller's. */
  callerOwned: boolean;
  /** Every view read, with its length then: re-checked once all arguments are read. */
  views: Array<[{ length: number }, number, string]>;
  /** Outputs to allocate (not passed by the caller): key, type, length. */
  fresh: Array<[OutputKey, ViewCtor, number]>;
}

function badValueError(caller: string, job: Job, index: number): RangeError {
  return new RangeError(
    `${caller}: ${job.label} holds ${describeValue(job.values[index])} at index ${index}; gradients must be finite`,
  );
}

// Output arrays skip the zero fill of `new TypedArray(n)` where the platform can (Node): every
// backend writes every element, and on an error the arrays are dropped unseen. Small buffers
// come from `new ArrayBuffer`, V8's fast path, which beats a malloc at that size.
const SMALL_BUFFER_BYTES = 4096;
const uninitialised = (bytes: number): ArrayBuffer =>
  bytes <= SMALL_BUFFER_BYTES ? new ArrayBuffer(bytes) : platform.uninitialised(bytes);

/**
 * Outputs the package allocates for layers up to CARVE_MAX_ELEMENTS elements are views into one
 * buffer per call (each 8-byte aligned), not one allocation per layer and output: a model of
 * hundreds of small tensors costs one allocation. Larger layers get buffers of their own.
 */
const CARVE_MAX_ELEMENTS = 1 << 16;
const align8 = (bytes: number): number => (bytes + 7) & ~7;

/** Allocates every output of `jobs` that the caller did not pass (left undefined by readLayer). */
function allocateOutputs(jobs: Job[]): void {
  let carved = 0;
  for (const j of jobs)
    if (j.values.length <= CARVE_MAX_ELEMENTS)
      for (const [, ctor, length] of j.fresh) carved += align8(ctor.BYTES_PER_ELEMENT * length);
  const shared = carved > 0 ? uninitialised(carved) : null;
  let at = 0;
  for (const j of jobs) {
    const carve = j.values.length <= CARVE_MAX_ELEMENTS;
    for (const [key, ctor, length] of j.fresh) {
      const bytes = ctor.BYTES_PER_ELEMENT * length;
      const view = carve ? new ctor(shared!, at, length) : new ctor(uninitialised(bytes), 0, length);
      if (carve) at += align8(bytes);
      (j.write as Record<OutputKey, unknown>)[key] = view;
      (j.result as Record<OutputKey, unknown>)[key] = view;
    }
  }
}

type OutputKey = keyof LayerSelection;
type ViewCtor = typeof Uint8Array | typeof Float32Array | typeof Uint32Array;
const OUTPUT_TYPES: ReadonlyArray<[OutputKey, ViewCtor]> = [
  ['codes', Uint8Array],
  ['pruned', Float32Array],
  ['keptIndices', Uint32Array],
  ['keptValues', Float32Array],
];

function readWant(want: unknown, caller: string): Required<SelectWant> {
  const w = readObject(want, `${caller}: want`, 'an object {codes?, pruned?, sparse?} of booleans');
  const { codes, pruned, sparse } = w;
  return {
    codes: readFlag(codes, `${caller}: want.codes`),
    pruned: readFlag(pruned, `${caller}: want.pruned`),
    sparse: readFlag(sparse, `${caller}: want.sparse`),
  };
}

/** Reads one layer (each field once), checks it, and sets up its outputs. */
function readLayer(layer: unknown, position: number, want: Required<SelectWant>, caller: string): Job {
  const l = readObject(layer, `${caller}: layers[${position}]`, 'an object {values, kTop, kBottom, name?, out?}');
  const { name, values, kTop, kBottom, out } = l;
  if (name !== undefined && typeof name !== 'string')
    throw new TypeError(`${caller}: layers[${position}].name must be a string, got ${describeValue(name)}`);
  const label = layerLabel({ name }, position);
  const v = readTyped(values, Float32Array, `${caller}: ${label} values`);
  if (v.length > 0xffffffff) throw new RangeError(`${caller}: ${label} has ${v.length} elements; at most 2^32-1 are supported`);
  const counts = checkCounts(v.length, kTop, kBottom, `${caller}: ${label}`);
  const n = v.length;
  const kept = n - counts.kTop - counts.kBottom;
  const given = out === undefined ? {} : readObject(out, `${caller}: ${label} out`, 'an object of output arrays');
  const wanted: Record<OutputKey, boolean> = { codes: want.codes, pruned: want.pruned, keptIndices: want.sparse, keptValues: want.sparse };
  const write: LayerSelection = {};
  const result: LayerSelection = {};
  const views: Job['views'] = [[v, n, `${label} values`]];
  let callerOwned = false;
  const fresh: Array<[OutputKey, ViewCtor, number]> = [];
  for (const [key, ctor] of OUTPUT_TYPES) {
    const arr = given[key];
    if (!wanted[key]) continue; // an output not asked for is ignored, as before
    const length = key === 'codes' || key === 'pruned' ? n : kept;
    if (arr === undefined) {
      fresh.push([key, ctor, length]); // allocated by allocateOutputs once the call is valid
      continue;
    }
    const view = readTyped(arr, ctor as new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView & { length: number }, `${caller}: ${label} out.${key}`);
    if (view.length !== length)
      throw new RangeError(`${caller}: ${label} out.${key} must hold ${length} elements, got ${describeValue(arr)}`);
    (write as Record<OutputKey, unknown>)[key] = view;
    (result as Record<OutputKey, unknown>)[key] = arr;
    views.push([view, length, `${label} out.${key}`]);
    callerOwned = true;
  }
  return { name: name as string | undefined, label, values: v, ...counts, write, result, callerOwned, views, fresh };
}

interface Span {
  buffer: ArrayBufferLike;
  start: number;
  end: number;
  output: boolean;
  what: string;
}

/**
 * No caller-owned output may overlap any layer's values or any other output (of any layer):
 * backends write in different orders, so an overlap would change what is read and the bits.
 * One sort per buffer: O(m log m) for m arrays.
 */
function checkNoAliasing(jobs: Job[], caller: string): void {
  const byBuffer = new Map<ArrayBufferLike, Span[]>();
  const add = (view: ArrayBufferView, output: boolean, what: string): void => {
    if (view.byteLength === 0) return;
    const list = byBuffer.get(view.buffer) ?? [];
    list.push({ buffer: view.buffer, start: view.byteOffset, end: view.byteOffset + view.byteLength, output, what });
    byBuffer.set(view.buffer, list);
  };
  for (const j of jobs) {
    add(j.values, false, `${j.label} values`);
    if (!j.callerOwned) continue;
    for (const [key] of OUTPUT_TYPES) {
      const w = j.write[key];
      if (w !== undefined && w !== j.result[key]) add(w, true, `${j.label} out.${key}`);
    }
  }
  for (const spans of byBuffer.values()) {
    if (!spans.some((s) => s.output)) continue;
    spans.sort((a, b) => a.start - b.start);
    let widest: Span | null = null;
    let widestOutput: Span | null = null;
    for (const s of spans) {
      const hit = s.output ? (widest && s.start < widest.end ? widest : null) : widestOutput && s.start < widestOutput.end ? widestOutput : null;
      if (hit) {
        const [o, other] = s.output ? [s, hit] : [hit, s];
        throw new RangeError(
          `${caller}: ${o.what} overlaps ${other.what}; outputs must not share memory with any input or other output`,
        );
      }
      if (!widest || s.end > widest.end) widest = s;
      if (s.output && (!widestOutput || s.end > widestOutput.end)) widestOutput = s;
    }
  }
}

/** Reading, validation, output set-up and backend choice shared by the sync and async calls. */
function prepare(layers: LayerInput[], want: SelectWant, caller: string, backend?: BackendName) {
  if (typeof caller !== 'string') throw new TypeError(`selectLayers: caller must be a string, got ${describeValue(caller)}`);
  if (backend !== undefined) readChoice(backend, ['native', 'cuda', 'wasm', 'ts'] as const, undefined, `${caller}: backend`);
  const list = readArray(layers, `${caller}: layers`, 'an Array of {values, kTop, kBottom}');
  const w = readWant(want, caller);
  const jobs = list.map((l, i) => readLayer(l, i, w, caller));
  // A getter read after a view was taken could have detached (transferred) its buffer.
  for (const job of jobs)
    for (const [view, length, what] of job.views)
      if (view.length !== length) throw new TypeError(`${caller}: ${what} was detached while the arguments were read`);
  // Only caller-owned outputs can alias anything: a call without them skips the check (its cost
  // per layer matters for models of hundreds of small tensors).
  if (jobs.some((j) => j.callerOwned)) checkNoAliasing(jobs, caller);
  allocateOutputs(jobs);
  const total = jobs.reduce((s, j) => s + j.values.length, 0);
  const name = backend ?? resolveBackend(total);
  const { kernels, device } = kernelsOf(name);
  // The native kernels select layers in parallel (wasm: one after another) and write each layer's
  // outputs as soon as its thresholds are known, so a NaN in layer 5 is found after layer 0 was
  // written. Outputs the package allocated are dropped on error, but caller-owned ones must stay
  // untouched (issue 14), so when another layer could be written first, one read-only finiteness
  // pass goes ahead. It costs 0.2-0.4x the selection's time at 10^7 (test/misuse/precheck_cost.js,
  // two runs on a loaded 2-core machine), so it runs only then: a single layer, or outputs the
  // package allocates, keep the one-pass fast path. The TypeScript kernels find every cut before
  // writing anything, so they need no pre-check.
  if (name !== 'ts' && jobs.some((j) => j.callerOwned) && (jobs.length > 1 || device === 'cuda')) {
    for (const job of jobs) {
      const bad = kernels.firstNonFinite(job.values);
      if (bad >= 0) throw badValueError(caller, job, bad);
    }
  }
  // One pass over the jobs builds all seven per-layer lists (thousands of small layers: the
  // wrapper's cost per layer is part of the kernel's budget).
  const count = jobs.length;
  const values: Float32Array[] = new Array(count);
  const kTop: number[] = new Array(count);
  const kBottom: number[] = new Array(count);
  const codes: Array<Uint8Array | null> = new Array(count);
  const pruned: Array<Float32Array | null> = new Array(count);
  const keptIndices: Array<Uint32Array | null> = new Array(count);
  const keptValues: Array<Float32Array | null> = new Array(count);
  for (let i = 0; i < count; i++) {
    const j = jobs[i];
    values[i] = j.values;
    kTop[i] = j.kTop;
    kBottom[i] = j.kBottom;
    codes[i] = j.write.codes ?? null;
    pruned[i] = j.write.pruned ?? null;
    keptIndices[i] = j.write.keptIndices ?? null;
    keptValues[i] = j.write.keptValues ?? null;
  }
  const args: Parameters<typeof kernels.selectLayers> = [
    values, kTop, kBottom, { codes, pruned, keptIndices, keptValues }, getThreads(), device,
  ];
  return { jobs, kernels, args, caller };
}

function finish(call: { jobs: Job[]; caller: string }, bad: BadValue | null): LayerSelection[] {
  if (bad) throw badValueError(call.caller, call.jobs[bad.layer], bad.index);
  return call.jobs.map((j) => j.result);
}

/**
 * Dual top/bottom-k selection of many layers in one call (one native call for the whole model).
 * Every argument is read once and the whole call validated before any output is written; a
 * NaN/Inf is a RangeError naming the layer and index, with no output written.
 */
export function selectLayers(layers: LayerInput[], want: SelectWant, caller = 'selectLayers', backend?: BackendName): LayerSelection[] {
  const call = prepare(layers, want, caller, backend);
  return finish(call, call.kernels.selectLayers(...call.args));
}

/**
 * selectLayers off the calling thread where the backend allows (native and cuda: libuv's pool;
 * wasm and ts: on this thread, after the call is set up). The layers' values and out arrays must
 * not be written until the promise settles. Same bits and errors as selectLayers.
 */
export async function selectLayersAsync(
  layers: LayerInput[], want: SelectWant, caller = 'selectLayersAsync', backend?: BackendName,
): Promise<LayerSelection[]> {
  const call = prepare(layers, want, caller, backend);
  return finish(call, await call.kernels.selectLayersAsync(...call.args));
}

/**
 * SPEC §10: class codes of one layer (0 bottom-removed, 1 kept, 2 top-removed). `out`, when
 * given, is filled and returned instead of a new array.
 */
export function dualTopBottomK(values: Float32Array, kTop: number, kBottom: number, out?: Uint8Array): Uint8Array {
  const caller = 'dualTopBottomK';
  const v = readTyped(values, Float32Array, `${caller}: values`);
  const counts = checkCounts(v.length, kTop, kBottom, caller);
  if (out !== undefined) readTyped(out, Uint8Array, `${caller}: out`);
  const layer: LayerInput = out === undefined ? { values: v, ...counts } : { values: v, ...counts, out: { codes: out } };
  return selectLayers([layer], { codes: true }, caller)[0].codes!;
}
