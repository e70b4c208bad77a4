/**
 * The raw, backend-independent entry points: validate, pick a backend, run the kernel, report
 * bad values with the layer's name. Everything above (tfjs ops, error feedback, ADGP) calls
 * selectLayers().
 */
import { BACKEND_NAMES, kernelsOf, resolveBackend, getThreads, BackendName } from './backend';
import { checkCounts } from './counts';
import { describeValue } from './errors';
import type { BadValue, Counts, SelectOutputs } from './surface/kernels';
import { platform } from './platform';
import { readArray, readChoice, readFlag, readObject, readTyped } from './read';
import { typedArrayBuffer, typedArrayLength, typedArrayParts, typedArrayTag } from './typed_array';

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

/** One layer read once into plain values; outputs are set up by setUpOutputs once all are read. */
interface Job {
  name: string | undefined;
  position: number;
  /** The caller's array, checked by its internal slots (the addon reads those, not properties). */
  values: Float32Array;
  n: number;
  kTop: number;
  kBottom: number;
  /**
   * Whether the caller passed output arrays of its own (`out`) for this layer: they are in the
   * call's Given at 4·position + OUTPUT_TYPES index, checked by their internal slots (kind and
   * length). Kernels that read properties get fresh views of them (setUpOutputs).
   */
  given: boolean;
  /** What is returned: the caller's own arrays, or the ones set up for it. */
  result: LayerSelection;
}

/** The label of a job, built only for a message (thousands of small layers pay for none). */
const labelOf = (job: { name?: string; position: number }): string => layerLabel(job, job.position);

function badValueError(caller: string, job: Pick<Job, 'name' | 'position' | 'values'>, index: number): RangeError {
  return new RangeError(
    `${caller}: ${labelOf(job)} holds ${describeValue(job.values[index])} at index ${index}; gradients must be finite`,
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

type OutputKey = keyof LayerSelection;
type ViewCtor = typeof Uint8Array | typeof Float32Array | typeof Uint32Array;
type AnyViewCtor = (new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView & { length: number }) & { readonly name: string };

/** Whether a typed array's ArrayBuffer has been detached (transferred): no view of it can be made. */
function isDetached(arr: unknown): boolean {
  try {
    new Uint8Array(typedArrayBuffer(arr), 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** Each output: its key, element type, and whether it holds n elements (else the kept count). */
const OUTPUT_TYPES: ReadonlyArray<[OutputKey, ViewCtor, boolean, number]> = [
  ['codes', Uint8Array, true, 0],
  ['pruned', Float32Array, true, 1],
  ['keptIndices', Uint32Array, false, 2],
  ['keptValues', Float32Array, false, 3],
];
/** Each output's typed array tag ('Uint8Array', ...), by OUTPUT_TYPES index: `ctor.name` is a slow getter. */
const TAGS: readonly string[] = OUTPUT_TYPES.map(([, ctor]) => ctor.name);
/** The outputs asked for: OUTPUT_TYPES entries, the last number their index there. */
type Wanted = ReadonlyArray<[OutputKey, ViewCtor, boolean, number]>;
/**
 * The call's caller-owned outputs, layer by layer at 4·position + OUTPUT_TYPES index: one flat
 * array per call, indexed, not keyed (a thousand layers read it several times per call).
 */
type Given = Array<ArrayBufferView | undefined>;
/** Slots per layer in a Given. */
const SLOTS = 4;

/** What one call has read so far: the caller's output arrays, and how many. */
interface Call {
  given: Given | null;
  /** Layers in the call. */
  count: number;
  /** Caller-owned output arrays read (of count · outputs asked for). */
  givenCount: number;
}

/** The outputs asked for, in OUTPUT_TYPES order. */
function readWant(want: unknown, caller: string): Wanted {
  const w = readObject(want, `${caller}: want`, 'an object {codes?, pruned?, sparse?} of booleans');
  const { codes, pruned, sparse } = w;
  const flag = (v: unknown, key: string): boolean => (typeof v === 'boolean' ? v : readFlag(v, `${caller}: want.${key}`));
  const on: Record<OutputKey, boolean> = { codes: flag(codes, 'codes'), pruned: flag(pruned, 'pruned'), keptIndices: false, keptValues: false };
  on.keptIndices = on.keptValues = flag(sparse, 'sparse');
  return OUTPUT_TYPES.filter(([key]) => on[key]);
}

const toString = Object.prototype.toString;

/** Reads one layer (each field once) and checks it; messages are built only on failure. */
function readLayer(layer: unknown, position: number, wanted: Wanted, call: Call, caller: string): Job {
  if (layer === null || typeof layer !== 'object' || toString.call(layer) !== '[object Object]')
    readObject(layer, `${caller}: layers[${position}]`, 'an object {values, kTop, kBottom, name?, out?}'); // throws
  const { name, values, kTop, kBottom, out } = layer as Record<string, unknown>;
  if (name !== undefined && typeof name !== 'string')
    throw new TypeError(`${caller}: layers[${position}].name must be a string, got ${describeValue(name)}`);
  const job: Job = {
    name: name as string | undefined, position, values: values as Float32Array, n: 0, kTop: 0, kBottom: 0, given: false, result: {},
  };
  // The caller's array itself, by its internal slots: no view per layer. An empty (or detached)
  // one goes through readTyped for its message.
  let n = typedArrayTag(values) === 'Float32Array' ? typedArrayLength(values) : 0;
  if (n === 0) n = readTyped(values, Float32Array, `${caller}: ${labelOf(job)} values`).length;
  if (n > 0xffffffff) throw new RangeError(`${caller}: ${labelOf(job)} has ${n} elements; at most 2^32-1 are supported`);
  job.n = n;
  if (typeof kTop === 'number' && typeof kBottom === 'number' && Number.isSafeInteger(kTop) && Number.isSafeInteger(kBottom) &&
      kTop >= 0 && kBottom >= 0 && kTop + kBottom <= n) {
    job.kTop = kTop;
    job.kBottom = kBottom;
  } else {
    const counts = checkCounts(n, kTop, kBottom, `${caller}: ${labelOf(job)}`); // throws, naming the layer
    job.kTop = counts.kTop;
    job.kBottom = counts.kBottom;
  }
  if (out !== undefined) call.givenCount += readGiven(job, out, wanted, (call.given ??= new Array(SLOTS * call.count)), caller);
  return job;
}

/**
 * The caller's own output arrays of one layer (`out`): each field read once and its kind checked
 * by its internal slots; no view, label or message is made unless one is wrong (a training loop
 * passes a thousand of them per call). Their lengths are checked once, by recheck, after every
 * argument has been read: a getter read later could still detach one.
 */
function readGiven(job: Job, out: unknown, wanted: Wanted, into: Given, caller: string): number {
  // Arrays and typed arrays are refused at once; any other built-in (Map, Date...) only when none
  // of its fields is an output (readObject's check), so a plain object costs no toString call.
  if (out === null || typeof out !== 'object' || Array.isArray(out) || ArrayBuffer.isView(out)) refuseOut(job, out, caller);
  const fields = out as Record<string, unknown>;
  const at = SLOTS * job.position;
  let found = 0;
  for (let w = 0; w < wanted.length; w++) {
    const index = wanted[w][3];
    // named loads (one inline cache each), not fields[key]: an output not asked for is ignored
    const arr = index === 0 ? fields.codes : index === 1 ? fields.pruned : index === 2 ? fields.keptIndices : fields.keptValues;
    if (arr === undefined) continue; // allocated by setUpOutputs once the call is valid
    // the wrong kind, with its message
    if (typedArrayTag(arr) !== TAGS[index])
      readTyped(arr, wanted[w][1] as AnyViewCtor, `${caller}: ${labelOf(job)} out.${wanted[w][0]}`);
    into[at + index] = arr as ArrayBufferView;
    found++;
  }
  if (found > 0) job.given = true;
  else if (toString.call(out) !== '[object Object]') refuseOut(job, out, caller);
  return found;
}

function refuseOut(job: Job, out: unknown, caller: string): never {
  readObject(out, `${caller}: ${labelOf(job)} out`, 'an object of output arrays');
  throw new TypeError(`${caller}: ${labelOf(job)} out must be an object of output arrays, got ${describeValue(out)}`);
}

/**
 * A caller's output array whose length did not match at first sight: returns if it does hold
 * `length` elements (an empty layer's empty array), else throws why not. A detached array reads
 * as length 0, and the getter that detached it may have run after it was read.
 */
function checkGivenLength(job: Job, arr: unknown, out: Wanted[number], length: number, caller: string): void {
  const what = `${caller}: ${labelOf(job)} out.${out[0]}`;
  if (isDetached(arr))
    throw new TypeError(`${what} was detached while the arguments were read (or before the call); pass an array whose ArrayBuffer has not been transferred`);
  const view = readTyped(arr, out[1] as AnyViewCtor, what);
  if (view.length !== length) throw new RangeError(`${what} must hold ${length} elements, got ${describeValue(arr)}`);
}

interface Span {
  buffer: ArrayBufferLike;
  start: number;
  end: number;
  output: boolean;
  what: () => string;
}

/**
 * Per caller's list of layers, the arrays of its last call that passed checkNoAliasing (each
 * layer's values, n and kept count, and the call's Given). A typed array's buffer and byte offset
 * never change, so the same arrays at the same lengths cover the same memory: a training loop
 * passing the same `out` arrays every round is checked once, not every call (lengths are still
 * re-read every call). Held weakly by the list: dropping the list drops the record.
 */
const verified = new WeakMap<object, Verified>();

interface Verified {
  /** Per layer: values, n, kept. */
  layers: unknown[];
  /** The call's Given. */
  given: Given;
}

/**
 * Checks, once all arguments are read, that no getter read later detached (transferred) or
 * shrank a layer's values read earlier, and checks the caller's output arrays' lengths (read only
 * here, so once per call); returns whether the call passes exactly the arrays (at the same
 * lengths) of `record`.
 */
function recheck(jobs: Job[], wanted: Wanted, given: Given | null, record: Verified | undefined, caller: string): boolean {
  let same = record !== undefined && given !== null && record.layers.length === 3 * jobs.length;
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    const n = job.n;
    if (typedArrayLength(job.values) !== n) throw new TypeError(`${caller}: ${labelOf(job)} values was detached while the arguments were read`);
    const kept = n - job.kTop - job.kBottom;
    if (same) same = record!.layers[3 * i] === job.values && record!.layers[3 * i + 1] === n && record!.layers[3 * i + 2] === kept;
    if (!job.given) continue;
    const at = SLOTS * i;
    for (let w = 0; w < wanted.length; w++) {
      const slot = at + wanted[w][3];
      const arr = given![slot];
      if (arr === undefined) continue;
      // the one length check of a caller's output array, after every getter has run
      const length = wanted[w][2] ? n : kept;
      if (typedArrayLength(arr) !== length || length === 0) checkGivenLength(job, arr, wanted[w], length, caller);
      // an output given now must be the one given then (one not given now is allocated fresh)
      if (same) same = record!.given[slot] === arr;
    }
  }
  return same;
}

function verifiedRecord(jobs: Job[], given: Given): Verified {
  const layers = new Array<unknown>(3 * jobs.length);
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i];
    layers[3 * i] = j.values;
    layers[3 * i + 1] = j.n;
    layers[3 * i + 2] = j.n - j.kTop - j.kBottom;
  }
  return { layers, given };
}

/**
 * No caller-owned output may overlap any layer's values or any other output (of any layer):
 * backends write in different orders, so an overlap would change what is read and the bits.
 * When every output's buffer holds nothing else of the call (the usual case: one array per
 * output), nothing can overlap and one pass over the buffers says so; otherwise one sort per
 * shared buffer: O(m log m) for m arrays.
 */
function checkNoAliasing(jobs: Job[], given: Given, caller: string): void {
  const outputBuffers = new Set<ArrayBufferLike>();
  let shared = false;
  for (let i = 0; i < jobs.length && !shared; i++) {
    if (!jobs[i].given) continue;
    for (let k = 0; k < SLOTS; k++) {
      const w = given[SLOTS * i + k];
      if (w === undefined || typedArrayLength(w) === 0) continue;
      const b = typedArrayBuffer(w);
      if (outputBuffers.has(b)) {
        shared = true;
        break;
      }
      outputBuffers.add(b);
    }
  }
  for (let i = 0; i < jobs.length && !shared; i++) if (jobs[i].n > 0 && outputBuffers.has(typedArrayBuffer(jobs[i].values))) shared = true;
  if (!shared) return;
  const byBuffer = new Map<ArrayBufferLike, Span[]>();
  const add = (buffer: ArrayBufferLike, start: number, bytes: number, output: boolean, what: () => string): void => {
    if (bytes === 0) return;
    const list = byBuffer.get(buffer) ?? [];
    list.push({ buffer, start, end: start + bytes, output, what });
    byBuffer.set(buffer, list);
  };
  for (const j of jobs) {
    const v = typedArrayParts(j.values);
    add(v.buffer, v.byteOffset, 4 * j.n, false, () => `${labelOf(j)} values`);
    if (!j.given) continue;
    for (const [key, ctor, , index] of OUTPUT_TYPES) {
      const w = given[SLOTS * j.position + index];
      if (w === undefined) continue;
      const p = typedArrayParts(w);
      add(p.buffer, p.byteOffset, ctor.BYTES_PER_ELEMENT * p.length, true, () => `${labelOf(j)} out.${key}`);
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
          `${caller}: ${o.what()} overlaps ${other.what()}; outputs must not share memory with any input or other output`,
        );
      }
      if (!widest || s.end > widest.end) widest = s;
      if (s.output && (!widestOutput || s.end > widestOutput.end)) widestOutput = s;
    }
  }
}

/**
 * The kernel's per-output lists: the caller's arrays where given (fresh views of them for kernels
 * that read properties), else arrays allocated here (small layers' carved from one buffer). Runs
 * only once the whole call is valid.
 */
function setUpOutputs(jobs: Job[], wanted: Wanted, given: Given | null, allGiven: boolean, fresh: boolean): SelectOutputs {
  const count = jobs.length;
  const lists: Array<Array<ArrayBufferView | null>> = wanted.map(() => new Array(count));
  let carved = 0;
  // nothing to carve when the caller gave every output (a training loop's usual call)
  for (let i = 0; i < count && !allGiven; i++) {
    const j = jobs[i];
    if (j.n > CARVE_MAX_ELEMENTS) continue;
    const kept = j.n - j.kTop - j.kBottom;
    for (let w = 0; w < wanted.length; w++) {
      const out = wanted[w];
      if (given === null || given[SLOTS * i + out[3]] === undefined) carved += align8(out[1].BYTES_PER_ELEMENT * (out[2] ? j.n : kept));
    }
  }
  const shared = carved > 0 ? uninitialised(carved) : null;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const j = jobs[i];
    const kept = j.n - j.kTop - j.kBottom;
    const carve = j.n <= CARVE_MAX_ELEMENTS;
    for (let w = 0; w < wanted.length; w++) {
      const out = wanted[w];
      const key = out[0];
      // indexed reads, not a destructuring: this loop runs for every layer and output
      const own = given === null ? undefined : given[SLOTS * i + out[3]];
      const length = out[2] ? j.n : kept;
      const ctor = out[1];
      if (own !== undefined) {
        lists[w][i] = fresh ? freshView(ctor as new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView, own, length) : own;
        (j.result as Record<OutputKey, unknown>)[key] = own; // the caller's own array is what it gets back
        continue;
      }
      const bytes = ctor.BYTES_PER_ELEMENT * length;
      const view = carve ? new ctor(shared!, at, length) : new ctor(uninitialised(bytes), 0, length);
      if (carve) at += align8(bytes);
      lists[w][i] = view;
      (j.result as Record<OutputKey, unknown>)[key] = view;
    }
  }
  const outputs: Record<string, unknown> = {};
  wanted.forEach(([key], w) => (outputs[key] = lists[w]));
  return outputs as SelectOutputs;
}

/**
 * Reading, validation, output set-up and backend choice shared by the sync and async calls: the
 * one place a selection call is checked. The kernels below only guard memory safety (the addon:
 * each array's kind and length, once per call).
 */
function prepare(layers: LayerInput[], want: SelectWant, caller: string, backend?: BackendName) {
  if (typeof caller !== 'string') throw new TypeError(`selectLayers: caller must be a string, got ${describeValue(caller)}`);
  if (backend !== undefined) readChoice(backend, BACKEND_NAMES, undefined, `${caller}: backend`);
  const list = readArray(layers, `${caller}: layers`, 'an Array of {values, kTop, kBottom}');
  const wanted = readWant(want, caller);
  const count = list.length;
  const jobs: Job[] = new Array(count);
  const call: Call = { given: null, count, givenCount: 0 };
  let total = 0;
  let owned = false;
  for (let i = 0; i < count; i++) {
    const job = readLayer(list[i], i, wanted, call, caller);
    jobs[i] = job;
    total += job.n;
    owned ||= job.given;
  }
  const given = owned ? call.given : null;
  // Only caller-owned outputs can alias anything: a call without them skips the check, and a
  // call with the very arrays its list passed last time was checked then.
  if (!recheck(jobs, wanted, given, owned ? verified.get(layers) : undefined, caller) && given !== null) {
    checkNoAliasing(jobs, given, caller);
    verified.set(layers, verifiedRecord(jobs, given));
  }
  const { kernels, device } = kernelsOf(backend ?? resolveBackend(total));
  // The addon reads the caller's arrays by their internal slots; the TypeScript and wasm kernels
  // read `length` and elements as properties, so they get fresh views (a subclass's getters
  // cannot redirect those).
  const fresh = kernels.readsCallerArrays !== true;
  const outputs = setUpOutputs(jobs, wanted, given, call.givenCount === count * wanted.length, fresh);
  outputs.disposable = !owned; // the package's own arrays are dropped unseen on an error
  // Every kernel finds all layers' cuts before it writes any output, so a NaN/Inf in a later
  // layer leaves caller-owned outputs untouched with no separate finiteness pass here.
  // Counts of many layers go as Float64Arrays (the addon reads them in place); a few go as plain
  // arrays: a typed array of at most 64 bytes lives on V8's heap, and handing one to the addon
  // makes V8 move it to a malloc'd buffer first.
  const kTop: Counts = count > 8 ? new Float64Array(count) : new Array<number>(count);
  const kBottom: Counts = count > 8 ? new Float64Array(count) : new Array<number>(count);
  const values: Float32Array[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const j = jobs[i];
    kTop[i] = j.kTop;
    kBottom[i] = j.kBottom;
    values[i] = fresh ? freshView(Float32Array, j.values, j.n) : j.values;
  }
  const args: Parameters<typeof kernels.selectLayers> = [values, kTop, kBottom, outputs, getThreads(), device];
  return { jobs, kernels, args, caller };
}

/** A plain typed array of `ctor`'s type over the same memory as the caller's `v` (of n elements). */
function freshView<T>(ctor: new (b: ArrayBufferLike, o: number, n: number) => T, v: ArrayBufferView, n: number): T {
  const { buffer, byteOffset } = typedArrayParts(v);
  return new ctor(buffer, byteOffset, n);
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
  const fast = fastCodes(values, kTop, kBottom, out, caller);
  if (fast) return fast;
  const v = readTyped(values, Float32Array, `${caller}: values`);
  const counts = checkCounts(v.length, kTop, kBottom, caller);
  if (out !== undefined) readTyped(out, Uint8Array, `${caller}: out`);
  const layer: LayerInput = out === undefined ? { values: v, ...counts } : { values: v, ...counts, out: { codes: out } };
  return selectLayers([layer], { codes: true }, caller)[0].codes!;
}

/**
 * dualTopBottomK's common case in few steps, the kernel called with positional arguments
 * (Kernels.selectCodes): a small layer's call is otherwise mostly argument handling. Anything
 * unusual (a detached or empty array, a count off the fast checks, an `out` that is not a plain
 * Uint8Array of n elements or shares the values' buffer, selection on a device other than the
 * CPU) returns null, and the general path checks it and says what is wrong.
 */
function fastCodes(values: Float32Array, kTop: number, kBottom: number, out: Uint8Array | undefined, caller: string): Uint8Array | null {
  if (typedArrayTag(values) !== 'Float32Array') return null;
  const n = typedArrayLength(values);
  if (n === 0 || !(Number.isSafeInteger(kTop) && Number.isSafeInteger(kBottom) && kTop >= 0 && kBottom >= 0 && kTop + kBottom <= n)) return null;
  const v = typedArrayParts(values);
  if (out !== undefined && (typedArrayTag(out) !== 'Uint8Array' || typedArrayLength(out) !== n || typedArrayParts(out).buffer === v.buffer)) return null;
  const { kernels, device } = kernelsOf(resolveBackend(n));
  if (device !== 'cpu') return null;
  // a small array straight from the constructor: one object, not an ArrayBuffer and a view
  const codes = out ?? (n <= SMALL_BUFFER_BYTES ? new Uint8Array(n) : new Uint8Array(uninitialised(n), 0, n));
  // The addon reads the caller's arrays by their internal slots; the TypeScript and wasm kernels
  // read properties, so they get fresh views (as in prepare()).
  const slots = kernels.readsCallerArrays === true;
  const bad = kernels.selectCodes(
    slots ? values : freshView(Float32Array, values, n), kTop, kBottom,
    slots || out === undefined ? codes : freshView(Uint8Array, codes, n), getThreads(), out === undefined,
  );
  if (bad >= 0) throw badValueError(caller, { name: undefined, position: 0, values }, bad);
  return codes;
}
