/**
 * The bench-only native baselines (native/bench/), in their own addon
 * build-bench/Release/tfjs_dgp_bench.node, built by `npm run build:bench` (which `npm run bench`
 * runs first). The product addon never contains them.
 */
import * as path from 'path';

export interface NativeBenchBinding {
  /** std::nth_element selection on a packed (|g| bits, index) scratch copy; writes SPEC §1 codes. */
  nthElementCodes(values: Float32Array, kTop: number, kBottom: number, codesOut: Uint8Array): void;
  /** One vectorised read-only pass: sum of |g| (the memory-bandwidth floor). */
  sumAbs(values: Float32Array): number;
  /** The SIMD level sumAbs runs, as the kernel's (DGP_SIMD caps both): 'avx512', 'avx2', 'sse2', ... */
  sumAbsIsa(): string;
}

let cached: { binding: NativeBenchBinding | null; why: string } | null = null;

function load(): { binding: NativeBenchBinding | null; why: string } {
  // out/bench/baselines.js -> the repository root is two folders up.
  const file = path.join(__dirname, '..', '..', 'build-bench', 'Release', 'tfjs_dgp_bench.node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return { binding: require(file) as NativeBenchBinding, why: '' };
  } catch (e) {
    return { binding: null, why: `bench addon ${file} not loaded (run \`npm run build:bench\`): ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The bench addon, or null. */
export function benchBinding(): NativeBenchBinding | null {
  cached ??= load();
  return cached.binding;
}

/** Why benchBinding() is null. */
export function benchUnavailable(): string | null {
  cached ??= load();
  return cached.binding ? null : cached.why;
}
