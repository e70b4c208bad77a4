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
