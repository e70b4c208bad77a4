/** The CPU backends every equivalence test runs on. */
import { backendInfo } from '../../src';

export type CpuBackend = 'ts' | 'wasm' | 'native';

/**
 * 'ts' and 'wasm' always: both ship inside the package, so a wasm module that fails to load is a
 * test failure (test/core/backend.test.ts), not a skip. 'native' when the addon loaded.
 */
export const CPU_BACKENDS: CpuBackend[] = backendInfo().available.native ? ['ts', 'wasm', 'native'] : ['ts', 'wasm'];
