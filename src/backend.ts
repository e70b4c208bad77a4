/**
 * Backend choice (SPEC §9), the one place that maps a call to an implementation of the kernel
 * surface (src/surface/kernels.ts) and the only module that imports a backend: 'cuda' (the
 * addon's CUDA kernels), 'native' (the addon's C++ kernels, src/backends/native/), 'wasm' (the
 * same C++ compiled to WebAssembly and embedded, src/backends/wasm/) or 'ts'
 * (src/backends/ts/). Everything above asks the chosen kernels for what it needs (the surface's
 * capabilities), never for a backend's name. Automatic by default, in this order: cuda when a device exists and
 * the work is large enough, else native, else wasm, else ts. Forced with DGP_BACKEND or
 * setBackend().
 */
import { DgpError, describeValue } from './errors';
import { nativeKernels } from './backends/native/kernels';
import type { Device, Kernels } from './surface/kernels';
import { tsKernels } from './backends/ts/kernels';
import type { NativeBinding, NativeInfo } from './backends/native/binding';
import { loadAddon } from './backends/native/host';
import type { LoadResult } from './backends/native/loader';
import { platform } from './platform';
import { wasmKernels } from './backends/wasm/kernels';
import { wasmLoadError, wasmModuleInfo } from './backends/wasm/module';

export type BackendName = 'cuda' | 'native' | 'wasm' | 'ts';
/** In the order automatic choice tries them. */
export const BACKEND_NAMES: readonly BackendName[] = ['cuda', 'native', 'wasm', 'ts'];
const NAMES = BACKEND_NAMES;

/**
 * Below this many elements in one call the GPU's launch and copy overhead costs more than the
 * CPU kernel, so automatic choice stays on 'native'. Override with DGP_CUDA_MIN_ELEMENTS.
 * 2^22: on an H100 host with 16 CPU threads, one layer end to end (copies included), the GPU
 * was first faster at 4,194,304 elements for codes (docs/CUDA.md, final run); a whole
 * ResNet-18 call (11.7M values) was 2.5 ms on the GPU against 8.8 ms on the CPU.
 */
export const CUDA_MIN_ELEMENTS_DEFAULT = 1 << 22;

interface State {
  binding: NativeBinding | null;
  /** The addon as the kernel surface (null when it did not load or lacks kernels). */
  native: Kernels | null;
  path: string | null;
  loadErrors: string[];
  info: NativeInfo | null;
  forced: BackendName | null;
  /** Set when DGP_BACKEND names a backend that is unavailable: every call then throws this. */
  envError: string | null;
  threads: number;
}

const loaded = loadAddon();
const state: State = {
  binding: loaded.binding,
  native: null,
  path: loaded.path,
  loadErrors: loaded.errors,
  info: null,
  forced: null,
  envError: null,
  threads: 0,
};
if (state.binding) {
  try {
    state.info = state.binding.info();
  } catch (e) {
    state.loadErrors.push(`info() failed: ${(e as Error).message}`);
    state.binding = null;
  }
}
if (state.binding) {
  const k = nativeKernels(state.binding);
  if (typeof k === 'string') state.loadErrors.push(`${state.path}: ${k}`);
  else state.native = k;
}

function unavailableReason(name: BackendName): string | null {
  if (name === 'ts') return null;
  if (name === 'wasm') return wasmLoadError();
  if (!state.native) return `the native addon did not load (${state.loadErrors.join('; ')})`;
  if (name === 'cuda') {
    if (!state.info?.cudaCompiled) return state.info?.cudaReason || 'the addon was built without CUDA';
    if (!state.info.cudaDevices) return `no CUDA device: ${state.info.cudaReason}`;
  }
  return null;
}

function parseBackend(name: unknown, what: string): BackendName | 'auto' {
  if (name === 'auto' || (NAMES as readonly unknown[]).includes(name)) return name as BackendName | 'auto';
  throw new RangeError(`${what} must be one of ${NAMES.map((n) => `'${n}'`).join(', ')} or 'auto', got ${describeValue(name)}`);
}

/** Forces a backend ('auto' returns to automatic choice). Throws DgpError saying why when unavailable. */
export function setBackend(name: BackendName | 'auto'): void {
  const choice = parseBackend(name, 'setBackend: name');
  // A failed call changes nothing: an earlier DGP_BACKEND error stays in force (a forced backend
  // never falls back silently) until a call succeeds.
  const why = choice === 'auto' ? null : unavailableReason(choice);
  if (why) throw new DgpError(`setBackend('${choice}'): backend unavailable: ${why}`);
  state.envError = null;
  state.forced = choice === 'auto' ? null : choice;
}

/** The forced backend, or the one automatic choice uses for large work. */
export function getBackend(): BackendName {
  return state.forced ?? NAMES.find((n) => !unavailableReason(n))!;
}

/** Threads for the native backend: 0 (default) means all hardware threads. */
export function setThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 0 || threads > 1024)
    throw new RangeError(`setThreads: threads must be an integer in [0, 1024], got ${describeValue(threads)}`);
  state.threads = threads;
}

export function getThreads(): number {
  return state.threads;
}

function cudaMinElements(): number {
  const env = Number(platform.env('DGP_CUDA_MIN_ELEMENTS') ?? NaN);
  return Number.isFinite(env) && env >= 0 ? env : CUDA_MIN_ELEMENTS_DEFAULT;
}

/** The backend one call of `elements` total elements runs on. */
export function resolveBackend(elements: number): BackendName {
  if (state.envError) throw new DgpError(state.envError);
  const chosen = getBackend();
  if (state.forced || chosen !== 'cuda') return chosen;
  return elements >= cudaMinElements() ? 'cuda' : 'native';
}

/** The kernel surface a backend runs on, and the device its selection uses. */
export function kernelsOf(name: BackendName): { kernels: Kernels; device: Device } {
  if (name === 'ts') return { kernels: tsKernels, device: 'cpu' };
  const kernels = name === 'wasm' ? (wasmLoadError() ? null : wasmKernels) : state.native;
  if (!kernels) throw new DgpError(`backend '${name}' is unavailable: ${unavailableReason(name)}`);
  // cuda: selection runs on the GPU; the memory-bound FL loops stay on the addon's CPU kernels
  // (cheaper than a device copy).
  return { kernels, device: name === 'cuda' ? 'cuda' : 'cpu' };
}

/** The kernels for one call touching `elements` elements, under the current backend choice. */
export function kernelsFor(elements: number): Kernels {
  return kernelsOf(resolveBackend(elements)).kernels;
}

/** The loaded addon, or null (internal; bench/ and tests use it for raw calls). */
export function nativeBinding(): NativeBinding | null {
  return state.binding;
}

export interface BackendInfo {
  /** What getBackend() returns now. */
  backend: BackendName;
  /** Whether the backend was forced (setBackend / DGP_BACKEND). */
  forced: boolean;
  available: Record<BackendName, boolean>;
  /** Why each unavailable backend is unavailable. */
  unavailable: Partial<Record<BackendName, string>>;
  native: { path: string | null; loadErrors: string[]; threads: number; simd: string } | null;
  cuda: { compiled: boolean; devices: number; device: string; reason: string; minElements: number } | null;
  /** The embedded WebAssembly module: whether it loaded (else why not), its size and SHA-256. */
  wasm: { loaded: boolean; error: string | null; bytes: number; sha256: string; simd: 'simd128'; threads: 1 };
  /** Threads the native backend uses per call (setThreads; 0 = all). */
  threads: number;
  /** Set when DGP_BACKEND named an unavailable backend; selection calls throw it. */
  envError: string | null;
  /** Which addon file loaded: prebuilt (shipped in the package) or built from source, for which platform. */
  addon: LoadResult['origin'];
}

export function backendInfo(): BackendInfo {
  const unavailable: Partial<Record<BackendName, string>> = {};
  const available = {} as Record<BackendName, boolean>;
  for (const n of NAMES) {
    const why = unavailableReason(n);
    available[n] = why === null;
    if (why) unavailable[n] = why;
  }
  const info = state.info;
  return {
    backend: getBackend(),
    forced: state.forced !== null,
    available,
    unavailable,
    native: state.native && info
      ? { path: state.path, loadErrors: state.loadErrors.slice(), threads: info.threads, simd: info.simd }
      : { path: null, loadErrors: state.loadErrors.slice(), threads: 0, simd: 'none' },
    cuda: info
      ? {
          compiled: info.cudaCompiled,
          devices: info.cudaDevices,
          device: info.cudaDevice,
          reason: info.cudaReason,
          minElements: cudaMinElements(),
        }
      : null,
    wasm: { loaded: available.wasm, error: unavailable.wasm ?? null, ...wasmModuleInfo, simd: 'simd128', threads: 1 },
    threads: state.threads,
    envError: state.envError,
    // Copies throughout: nothing a caller does to this object can reach the package's own state.
    addon: { ...loaded.origin, prebuilds: loaded.origin.prebuilds.slice(), ...(state.binding ? {} : { kind: null, path: null }) },
  };
}

// DGP_BACKEND forces a backend at import. An unavailable choice must not make the import throw
// (SPEC §9); instead every selection call throws the reason (a forced backend never falls back
// silently), backendInfo() reports it, and setBackend() replaces it.
{
  const env = platform.env('DGP_BACKEND');
  if (env && env !== 'auto') {
    try {
      setBackend(parseBackend(env, 'DGP_BACKEND'));
    } catch (e) {
      state.envError = `DGP_BACKEND=${env}: ${(e as Error).message}`;
    }
  }
}
