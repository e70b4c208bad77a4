/**
 * The few parts of the WebAssembly JavaScript API the loader uses, typed here because the
 * package compiles against lib ES2020 (no DOM), where the global is not declared.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export interface WasmModuleImport {
  module: string;
  name: string;
  kind: string;
}

export interface WebAssemblyApi {
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): WasmModuleImport[];
  };
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  RuntimeError: new (...args: unknown[]) => Error;
}

/** The global WebAssembly object, or undefined where the engine has none. */
export const webAssembly: WebAssemblyApi | undefined = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
