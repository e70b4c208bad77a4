/**
 * Loads the embedded WebAssembly module (native/core + native/wire compiled by
 * scripts/build-wasm.sh) synchronously on first use. The module is about 50 KB, well under the
 * size browsers allow for synchronous compilation on the main thread, so no `await` is needed
 * anywhere. Loading never throws to the importer: failure is recorded and reported by
 * backendInfo().
 */
import { decodeBase64 } from './base64';
import { WASM_BASE64, WASM_BYTES, WASM_SHA256 } from './module_bytes';
import { WasmMemory, webAssembly } from './webassembly';

/** The module's exports (native/wasm/exports.cc); pointers are byte offsets into `memory`. */
export interface WasmExports {
  memory: WasmMemory;
  _initialize(): void;
  dgp_alloc(bytes: number): number;
  dgp_free(ptr: number): void;
  dgp_select(values: number, n: number, kTop: number, kBottom: number, codes: number, pruned: number, keptIndices: number, keptValues: number): number;
  /** The plain kernels of native/glue/kernel_table.h: dgp_k_<name>(argv) and their descriptor (src/backends/wasm/table_glue.ts). */
  dgp_kernel_table(): number;
  dgp_stream_add(
    msg: number, len: number, layout: number, layoutLen: number, of: number, round: number, positionsId: number,
    layerCount: number, total: number, weight: number, acc: number, out: number,
  ): number;
  dgp_partial_merge(
    msg: number, len: number, layout: number, layoutLen: number, of: number, round: number, positionsId: number,
    layerCount: number, total: number, acc: number, out: number,
  ): number;
}

export interface WasmModuleInfo {
  /** Size of the embedded module in bytes. */
  bytes: number;
  /** SHA-256 of the embedded module (matches build-wasm/dgp.wasm of `npm run build:wasm`). */
  sha256: string;
}

// wasi-libc's snprintf links stdio, so the module imports fd_write/fd_seek/fd_close; nothing in
// the kernels reaches them (they would only print libc's own diagnostics). Every WASI import
// answers ENOSYS; any other import is a build error worth failing loudly on.
const WASI_ENOSYS = 52;

function imports(module: object): Record<string, Record<string, unknown>> {
  const wasi: Record<string, () => number> = {};
  for (const imp of webAssembly!.Module.imports(module)) {
    if (imp.module !== 'wasi_snapshot_preview1' || imp.kind !== 'function')
      throw new Error(`unexpected import ${imp.module}.${imp.name} (${imp.kind})`);
    wasi[imp.name] = () => WASI_ENOSYS;
  }
  return { wasi_snapshot_preview1: wasi };
}

let instance: WasmExports | null = null;
let loadError: string | null = null;

function load(): void {
  try {
    const wa = webAssembly;
    if (wa === undefined || typeof wa.Module !== 'function')
      throw new Error('WebAssembly is not available in this JavaScript environment');
    const module = new wa.Module(decodeBase64(WASM_BASE64));
    const exports = new wa.Instance(module, imports(module)).exports as WasmExports;
    exports._initialize();
    instance = exports;
  } catch (e) {
    loadError = `the WebAssembly module did not load: ${(e as Error).message}`;
  }
}

/** The module's exports, or null when it cannot load (wasmLoadError() says why). */
export function wasmExports(): WasmExports | null {
  if (instance === null && loadError === null) load();
  return instance;
}

export function wasmLoadError(): string | null {
  wasmExports();
  return loadError;
}

export const wasmModuleInfo: WasmModuleInfo = { bytes: WASM_BYTES, sha256: WASM_SHA256 };
