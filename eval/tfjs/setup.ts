/**
 * One place that loads tfjs-core with its CPU and WebAssembly backends and the gradients the
 * evaluation needs. The MLP runs on 'wasm' (about 2.5x faster here); the CNN on 'cpu', because the
 * wasm backend has no Conv2DBackpropFilter kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerGradients } from './gradients';

export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  registerGradients();
  if (tf.getBackend() !== name) await tf.setBackend(name);
  await tf.ready();
}

export async function setupTf(): Promise<typeof tf> {
  await useBackend('cpu');
  return tf;
}

export { tf };
