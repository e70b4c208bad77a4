/**
 * The backends whose randomness kernels the privacy tests compare: TypeScript always, the addon
 * and the wasm module where they carry the kernels (test/fl/kernels.test.ts checks that they do).
 */
import * as twin from '../../src/backends/ts/random';

export interface RandomKernelsUnderTest {
  chacha20Blocks(key: Uint32Array, nonce: Uint32Array, counter: number, out: Uint32Array): void;
  discreteGaussian(key: Uint32Array, nonce: Uint32Array, counter: number, scale: number, out: Int32Array): number;
}

export function randomKernelBackends(): Array<[string, RandomKernelsUnderTest]> {
  return [['ts', twin]];
}
