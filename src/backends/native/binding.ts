/** The native addon's exports, typed in one place (the C++ glue lives in native/addon/). */
import type { Kernels } from '../../surface/kernels';

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

/** The addon: every kernel of the surface under its own name, plus info(). */
export interface NativeBinding extends Kernels {
  info(): NativeInfo;
}
