/**
 * The backends whose randomness kernels the privacy tests compare: TypeScript and wasm always
 * (both ship inside the package), the addon when it loaded.
 */
import { backendInfo, nativeBinding } from '../../src/backend';
import type { Kernels } from '../../src/surface/kernels';
import { tsKernels } from '../../src/backends/ts/kernels';
import { wasmKernels } from '../../src/backends/wasm/kernels';

export type RandomKernelsUnderTest = Pick<Kernels, 'chacha20Blocks' | 'discreteGaussian' | 'maskAdd' | 'quantizeStochastic' | 'modularAdd'>;

export function randomKernelBackends(): Array<[string, RandomKernelsUnderTest]> {
  const out: Array<[string, RandomKernelsUnderTest]> = [['ts', tsKernels], ['wasm', wasmKernels]];
  if (backendInfo().available.native) out.push(['native', nativeBinding()!]);
  return out;
}
