/** Registers tfjs's cpu and wasm backends for tests (tfjs-node cannot be installed here). */
import * as path from 'path';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The union package's Node bundle registers tfjs-core's gradients (tfjs-core's own CJS build
// does not), which tf.variableGrads needs. Same tfjs-core instance as the package uses.
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let wasmReady: Promise<boolean> | null = null;

export async function useTfjsBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm' && !wasmReady) {
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(dist + path.sep);
    wasmReady = tf.setBackend('wasm');
  }
  const ok = name === 'wasm' ? await wasmReady! && (await tf.setBackend('wasm')) : await tf.setBackend('cpu');
  if (!ok) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
}
