/**
 * The kernel surface: every compute kernel of the package, typed once, with the capabilities a
 * backend declares (KernelCapabilities). Each backend implements all of it under these names,
 * and src/backend.ts picks the implementation for a call. The rest of the contract: the stream
 * spec and outcome codes (stream.ts), the wire constants (format.ts), the status -> message table
 * (messages.ts).
 *
 *   kernel group   C++ kernel (no napi.h)         N-API glue                       TypeScript (src/backends/ts/)  test
 *   selection      native/core/dual_select.cc     native/addon/select_binding.cc   select.ts                 test/core/select.test.ts
 *                  native/cuda/dgp_cuda.cu (cuda) (same glue, device 'cuda')                                 test/core/cuda.test.ts
 *   wire + FL      native/wire/wire_surface.cc    generated from native/glue/kernel_table.h  wire.ts          test/fl/kernels.test.ts
 *   async select   (same C++ kernel)              select_binding.cc + async_work.h (kernels.ts: calling thread)  test/core/async.test.ts
 *   streaming agg. native/wire/stream_aggregate.cc native/addon/stream_binding.cc   stream.ts                 test/fl/stream_twin.test.ts
 *   randomness     native/privacy/random.cc       (table glue)                     random.ts                 test/privacy/random.test.ts, noise.test.ts
 *   secure agg.    native/privacy/masks.cc        (table glue)                     masks.ts                  test/privacy/masks.test.ts
 *
 *   WebAssembly: native/wasm/exports.cc exports the same C++ kernels; JavaScript glue
 *   src/backends/wasm/kernels.ts (plain kernels: table_glue.ts, from the module's own table;
 *   streaming: stream.ts); built by scripts/build-wasm.sh.
 *
 *   implementations of this interface: src/backends/native/kernels.ts (the addon's own exports),
 *   src/backends/ts/kernels.ts (TypeScript), src/backends/wasm/kernels.ts (WebAssembly).
 *
 * Rules every implementation keeps (so one over its own linear memory, like wasm, fits too):
 * - Arguments are plain typed arrays and numbers; nothing is retained after the call returns
 *   (async calls: until their promise settles). Inputs are never written.
 * - Offsets and lengths are checked by the caller (src/select.ts, src/fl/*); a kernel may throw
 *   RangeError/TypeError on an inconsistent call, but data problems (a NaN, a bad index, a
 *   malformed varint) come back as return values: -1 for "fine", else a position, or a negative
 *   WireStatus. The caller turns them into messages naming the layer and the value.
 * - Results are bit-identical across implementations (SPEC §4): float32 sums and products are
 *   rounded one at a time, never fused.
 *
 * Adding a plain kernel (typed arrays and numbers in, a number or nothing out): declare it here
 * (and in KERNEL_NAMES), add its line to native/glue/kernel_table.h, write the C++ function in
 * native/core or native/wire and its TypeScript twin in src/backends/ts/ (exported under the same
 * name from plain.ts); both glues are generated from the table. Then a test of every backend
 * against the twin (docs/ARCHITECTURE.md, "Adding a kernel").
 *
 * Adding an async kernel (runs off the main thread in Node): give it a `...Async` twin returning
 * a Promise. In the addon, use dgp_addon::KernelWork (native/addon/async_work.h; example:
 * SelectLayersAsync in select_binding.cc): parse and check arguments on the main thread, Keep()
 * every typed array the kernel reads or writes (a reference, so the GC cannot free it while the
 * pool thread runs), run the plain C++ kernel in the pool lambda, build the result in the settle
 * lambda. src/backends/ts/kernels.ts runs the sync kernel on the calling thread. Callers go through
 * src/select.ts's pattern: validate and allocate, then `await kernels.xAsync(...)`.
 */

/** Per-layer output arrays of selectLayers; a null entry (or an absent list) skips that output. */
export interface SelectOutputs {
  /** n class codes per layer: 0 bottom-removed, 1 kept, 2 top-removed. */
  codes?: Array<Uint8Array | null>;
  /** n values per layer: kept values in place, +0 elsewhere. */
  pruned?: Array<Float32Array | null>;
  /** n - kTop - kBottom ascending indices of the kept set. */
  keptIndices?: Array<Uint32Array | null>;
  /** n - kTop - kBottom values at keptIndices, bit for bit. */
  keptValues?: Array<Float32Array | null>;
  /**
   * True when the caller drops every output if the call fails (it allocated them for this call):
   * the addon may then write a large layer's codes while it searches that layer's thresholds
   * (one read fewer), before other layers are known to be finite. Absent or false: a bad value
   * leaves every output untouched.
   */
  disposable?: boolean;
}

/** Per-layer counts: src/select.ts passes a Float64Array (the addon reads it in place). */
export type Counts = Float64Array | number[];

/** The lowest layer holding a NaN/Inf and its first such index. */
export interface BadValue {
  layer: number;
  index: number;
}

/** Where selection runs: the CPU kernel, or (addon with CUDA only) the GPU kernel. */
export type Device = 'cpu' | 'cuda';

/** Index coding of one layer in the wire format (docs/FORMAT.md "index block"). */
export const CODING_BITMAP = 0;
export const CODING_DELTA = 1;

/** Decode outcomes of readIndices, equal to dgp_wire::Status (native/wire/wire_kernels.h). */
export const enum WireStatus {
  Truncated = -1,
  VarintOverlong = -2,
  VarintOverflow = -3,
  NotAscending = -4,
  OutOfRange = -5,
  CountMismatch = -6,
  BitmapPadding = -7,
  BadCoding = -8,
}

/** Error-feedback memory modes of memoryUpdate (SPEC §5), equal to dgp_wire::Mode. */
export const MODE_BOTTOM = 0;
export const MODE_ALL = 1;
export const MODE_NONE = 2;

/**
 * Float64 sums that live where a backend's streaming kernels run fastest (wasm: in the module's
 * memory, so a message costs no copy of the model). `values` may be remade between calls (read
 * it afresh after every kernel call; never keep it).
 */
export interface ResidentAccumulator {
  readonly values: Float64Array;
}

/**
 * What a backend declares about itself, so the layers above the surface ask for a capability
 * instead of testing a backend's name or identity.
 */
export interface KernelCapabilities {
  /**
   * true: the kernels read a typed array by its internal slots (the addon), so callers may pass
   * the caller's own arrays as they are. Absent or false: the kernels read `length` and elements
   * as properties, so callers pass fresh views (a subclass's getters cannot redirect those).
   */
  readonly readsCallerArrays?: boolean;
  /**
   * Zeroed sums of `total` float64 for streamAdd/partialMerge's `acc`, held where the kernels
   * use them in place; null when they cannot be made now (the caller keeps a plain array).
   * Absent: plain Float64Arrays are what the backend runs fastest on.
   */
  residentSums?(total: number): ResidentAccumulator | null;
}

export interface Kernels extends KernelCapabilities {
  // ---- selection (SPEC §1-4) ----

  /**
   * Selects every layer in one call. Output lengths: codes/pruned n, kept arrays
   * n - kTop - kBottom. `threads` (0 = all) is a hint a backend may ignore; `device` 'cuda' is
   * served only by the addon built with CUDA. Returns null, or the first bad value; then no
   * output of the call was written (every layer is checked before any output is).
   */
  selectLayers(
    layers: Float32Array[], kTop: Counts, kBottom: Counts, outputs: SelectOutputs, threads: number, device: Device,
  ): BadValue | null;

  /**
   * selectLayers, off the calling thread where the backend can (native: libuv's pool). The
   * arrays must stay untouched until the promise settles.
   */
  selectLayersAsync(
    layers: Float32Array[], kTop: Counts, kBottom: Counts, outputs: SelectOutputs, threads: number, device: Device,
  ): Promise<BadValue | null>;

  /**
   * One layer's codes on the CPU: selectLayers([values], [kTop], [kBottom], {codes: [codes],
   * disposable}, threads, 'cpu') with positional arguments, for one small call whose cost would
   * otherwise be the lists' handling (dualTopBottomK). Returns -1, or the first NaN/Inf's index;
   * then codes is untouched unless `disposable`.
   */
  selectCodes(values: Float32Array, kTop: number, kBottom: number, codes: Uint8Array, threads: number, disposable: boolean): number;

  // ---- wire format (SPEC §6) ----

  /** CRC-32 (IEEE, reflected 0xEDB88320, init/final xor 0xFFFFFFFF) of bytes[start, end). */
  crc32(bytes: Uint8Array, start: number, end: number): number;
  /** Bytes of the delta-varint coding of indices, or -(j + 1) for the first j not ascending or >= n. */
  deltaSize(indices: Uint32Array, n: number): number;
  /** Writes the index block at out[offset]; returns its end offset, or -1 (bad index or no room). */
  writeIndices(out: Uint8Array, offset: number, indices: Uint32Array, n: number, coding: number): number;
  /**
   * Decodes out.length indices of a layer of n elements from bytes[offset, end). Returns the
   * block's end offset, or a negative WireStatus; then at[0] is the element position of the
   * problem (for Truncated: the bytes that were available).
   */
  readIndices(bytes: Uint8Array, offset: number, end: number, coding: number, n: number, out: Uint32Array, at: Float64Array): number;
  /** Copies out.length little-endian float32 from bytes[offset]; returns -1 or the first NaN/Inf. */
  readValues(bytes: Uint8Array, offset: number, out: Float32Array): number;
  /** Position of the first NaN/Inf, or -1. */
  firstNonFinite(values: Float32Array): number;

  // ---- aggregation and error feedback (SPEC §5, §7, §8) ----

  /** dst[i[j]] = v[j], or (add) dst[i[j]] + w·v[j]; returns -1 or the first j with i[j] >= dst.length. */
  scatter(dst: Float32Array, indices: Uint32Array, values: Float32Array, weight: number, add: boolean): number;
  /** acc[j] = acc[j] + w·v[j] (equal lengths). */
  axpy(acc: Float32Array, values: Float32Array, weight: number): void;
  /** out = a + b in float32 (equal lengths). */
  add(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** e = p where memory keeps it under `mode` (MODE_*), else +0. */
  memoryUpdate(p: Float32Array, codes: Uint8Array, mode: number, e: Float32Array): void;
  /**
   * ADGP client step: values[j] = p[positions[j]], or +0 where codes says top-removed; rewrites
   * codes for memoryUpdate (2 stays 2, a sent position becomes 1, the rest 0). Returns -1, or the
   * first j with positions[j] >= p.length.
   */
  alignedGather(p: Float32Array, codes: Uint8Array, positions: Uint32Array, values: Float32Array): number;

  // ---- randomness and noise (SPEC §11; docs/PRIVACY.md "Randomness", "Noise sampler") ----

  /**
   * RFC 8439 ChaCha20 blocks for key (8 words), nonce (3 words) and block counters counter,
   * counter + 1, ...: out.length / 16 blocks of 16 little-endian words. The 32-bit counter never
   * wraps: a request whose last block would pass 2^32 - 1 is a RangeError and writes nothing.
   */
  chacha20Blocks(key: Uint32Array, nonce: Uint32Array, counter: number, out: Uint32Array): void;
  /**
   * out[i] = draws of the discrete Gaussian N_Z(0, scale²) on |z| < B (B >= 20·scale), each
   * point's probability within a factor 1 ± 2^-50 of the exact one (the strip sampler,
   * docs/PRIVACY.md "Noise sampler"; scale an integer in [1, 2^20]) from the ChaCha20 keystream of
   * key/nonce starting at block `counter`. Returns the blocks consumed (bits left in the last one
   * are dropped), or -1 when the stream would pass block 2^32 - 1 (out is then partly written).
   */
  discreteGaussian(key: Uint32Array, nonce: Uint32Array, counter: number, scale: number, out: Int32Array): number;

  // ---- secure aggregation (SPEC §12; docs/SECAGG.md, "Masks and quantization") ----

  /**
   * acc[i] = acc[i] + w_i (subtract: - w_i) mod 2^32, w the ChaCha20 keystream words of key/nonce
   * from block `counter` in order (ceil(acc.length / 16) blocks; the last block's unused words
   * are dropped). A request whose last block would pass 2^32 - 1 is a RangeError and writes nothing.
   */
  maskAdd(key: Uint32Array, nonce: Uint32Array, counter: number, subtract: boolean, acc: Uint32Array): void;
  /**
   * out[i] = y rounded down or up at random, y = clamp(values[i], -bound, bound)·inverseStep in
   * float64: up when (w_{2i} >>> 11)·2^32 + w_{2i+1} < frac(y)·2^53, w the keystream words of
   * key/nonce from block `counter` (ceil(values.length / 8) blocks), so E[out[i]] = y. Requires
   * bound·inverseStep + 1 < 2^31. Returns -1, or the first NaN/Inf's index (out untouched).
   */
  quantizeStochastic(
    key: Uint32Array, nonce: Uint32Array, counter: number, values: Float32Array, bound: number, inverseStep: number, out: Int32Array,
  ): number;
  /** acc[i] = acc[i] + values[i] (subtract: - values[i]) mod 2^32 (equal lengths). */
  modularAdd(acc: Uint32Array, values: Uint32Array, subtract: boolean): void;

  // ---- streaming aggregation (SPEC §7; docs/FL.md "Streaming aggregator") ----
  // The spec every message must match is `layout` (each layer's metadata bytes as a message
  // carries them, concatenated) and `head` = [of, round, positionsId, layerCount, total].
  // out = Float64Array(7): [code, layer, at, got, want, clients, weight]; codes are StreamCode
  // (src/surface/stream.ts, = dgp_wire::StreamCode). acc has `total` float64 sums and is
  // written only when the code is 0: a rejected message leaves it bit-identical.

  /** Validates a kind-1 (or kind-3) message in full, then acc[i] = acc[i] + weight·v; returns the code. */
  streamAdd(msg: Uint8Array, layout: Uint8Array, head: Float64Array, weight: number, acc: Float64Array, out: Float64Array): number;
  /**
   * streamAdd, off the calling thread where the backend can (native: libuv's pool; wasm and ts run
   * it on the calling thread and resolve after). msg, layout, acc and out must stay untouched
   * until the promise settles.
   */
  streamAddAsync(msg: Uint8Array, layout: Uint8Array, head: Float64Array, weight: number, acc: Float64Array, out: Float64Array): Promise<number>;
  /** Validates a partial aggregate (kind 4) in full, then acc[i] = acc[i] + sum[i]; out[5], out[6] = clients, weight. */
  partialMerge(msg: Uint8Array, layout: Uint8Array, head: Float64Array, acc: Float64Array, out: Float64Array): number;
}

/** Every name of the surface, for checking at load time that a binary carries all of them. */
export const KERNEL_NAMES = [
  'selectLayers', 'selectLayersAsync', 'selectCodes', 'crc32', 'deltaSize', 'writeIndices', 'readIndices', 'readValues',
  'firstNonFinite', 'scatter', 'axpy', 'add', 'memoryUpdate', 'alignedGather', 'chacha20Blocks', 'discreteGaussian',
  'maskAdd', 'quantizeStochastic', 'modularAdd', 'streamAdd', 'streamAddAsync', 'partialMerge',
] as const;
/**
 * The surface kernels with glue of their own (lists, outputs objects, promises, resident sums).
 * Every other name is a plain kernel of native/glue/kernel_table.h: both glues are generated from
 * that table, and the TypeScript backend takes it from src/backends/ts/plain.ts by name.
 */
export const DEDICATED_KERNELS = ['selectLayers', 'selectLayersAsync', 'selectCodes', 'streamAdd', 'streamAddAsync', 'partialMerge'] as const;

export type TableKernelName = Exclude<(typeof KERNEL_NAMES)[number], (typeof DEDICATED_KERNELS)[number]>;

/** The surface names the kernel table serves: every name of the surface without glue of its own. */
export const TABLE_KERNEL_NAMES = KERNEL_NAMES.filter(
  (n) => !(DEDICATED_KERNELS as readonly string[]).includes(n),
) as TableKernelName[];

// Fails to compile when KERNEL_NAMES misses a member of Kernels.
const allNamed: Record<Exclude<keyof Kernels, (typeof KERNEL_NAMES)[number] | keyof KernelCapabilities>, never> = {};
void allNamed;

/**
 * selectCodes for a backend whose selectLayers already costs little per call (TypeScript, wasm):
 * the one-layer call through its selectLayers.
 */
export function selectCodesVia(selectLayers: Kernels['selectLayers']): Kernels['selectCodes'] {
  return (values, kTop, kBottom, codes, threads, disposable) =>
    selectLayers([values], [kTop], [kBottom], { codes: [codes], disposable }, threads, 'cpu')?.index ?? -1;
}

/** The names `impl` lacks (an addon or wasm module built from older sources). */
export function missingKernels(impl: object): string[] {
  return KERNEL_NAMES.filter((k) => typeof (impl as Record<string, unknown>)[k] !== 'function');
}
