/** The native addon's surface, typed in one place (the C++ glue lives in native/addon/). */

export interface NativeInfo {
  /** Hardware threads the native pool uses. */
  threads: number;
  /** Widest SIMD level of this CPU: 'avx512' | 'avx2' | 'sse2' | 'neon' | 'scalar'. */
  simd: string;
  /** Whether the CUDA kernels were compiled into this binary. */
  cudaCompiled: boolean;
  /** Usable CUDA devices (0 when none). */
  cudaDevices: number;
  /** Why CUDA is unusable, when cudaDevices is 0. */
  cudaReason: string;
  /** Device 0's name and compute capability, when there is one. */
  cudaDevice: string;
}

/** Per-layer output buffers; a null entry (or an absent list) skips that output. */
export interface NativeSelectOutputs {
  codes?: Array<Uint8Array | null>;
  pruned?: Array<Float32Array | null>;
  keptIndices?: Array<Uint32Array | null>;
  keptValues?: Array<Float32Array | null>;
}

/** The lowest layer holding a NaN/Inf and its first such index. */
export interface NativeBadValue {
  layer: number;
  index: number;
}

export interface NativeBinding {
  info(): NativeInfo;
  /**
   * Selects every layer in one call (SPEC §1-4). Output lengths: codes/pruned n, kept arrays
   * n - kTop - kBottom. Returns null, or the first bad value (outputs then unspecified).
   */
  selectLayers(
    layers: Float32Array[],
    kTop: number[],
    kBottom: number[],
    outputs: NativeSelectOutputs,
    threads: number,
    device: 'cpu' | 'cuda',
  ): NativeBadValue | null;
  /** Wire format, error feedback and aggregation kernels (native/addon/wire_binding.cc), when built. */
  [extra: string]: unknown;
}

/**
 * Bench-only baselines (native/addon/bench_binding.cc over native/bench/baselines.cc), present as
 * `binding.bench` in CMake builds; used by bench/ only, never by the library.
 */
export interface NativeBenchBinding {
  /** std::nth_element selection on a packed (|g| bits, index) scratch copy; writes SPEC §1 codes. */
  nthElementCodes(values: Float32Array, kTop: number, kBottom: number, codesOut: Uint8Array): void;
  /** One vectorised read-only pass: sum of |g| (the memory-bandwidth floor). */
  sumAbs(values: Float32Array): number;
  /** The code path sumAbs runs on this CPU: 'avx512f' | 'avx2' | 'default'. */
  sumAbsIsa(): string;
}

// ---- Federated-learning kernels (native/addon/wire_binding.cc; TS twins in src/fl/kernels_ts.ts) ----

/**
 * Wire format, error feedback and aggregation kernels. Offsets and lengths are checked by the
 * glue (RangeError/TypeError); data problems come back as return values:
 * indices/positions functions return -1 for success or the first bad position, readIndices
 * returns the block's end offset or a negative status (src/fl/kernels_ts.ts WireStatus).
 */
export interface NativeWireBinding {
  wireCrc32(bytes: Uint8Array, start: number, end: number): number;
  wireDeltaSize(indices: Uint32Array, n: number): number;
  wireWriteIndices(out: Uint8Array, offset: number, indices: Uint32Array, n: number, coding: number): number;
  wireReadIndices(bytes: Uint8Array, offset: number, end: number, coding: number, n: number, out: Uint32Array): number;
  wireReadValues(bytes: Uint8Array, offset: number, out: Float32Array): number;
  wireFirstNonFinite(values: Float32Array): number;
  wireScatter(dst: Float32Array, indices: Uint32Array, values: Float32Array, weight: number, add: boolean): number;
  wireAxpy(acc: Float32Array, values: Float32Array, weight: number): void;
  wireAdd(a: Float32Array, b: Float32Array, out: Float32Array): void;
  wireMemoryUpdate(p: Float32Array, codes: Uint8Array, mode: number, e: Float32Array): void;
  wireAlignedGather(p: Float32Array, codes: Uint8Array, positions: Uint32Array, values: Float32Array): number;
}
