/**
 * tfjs ops (SPEC §10): dgpMask and dgpPrune on one tensor, dgpPruneGradients on a whole gradient
 * map. They read tensor data (dataSync), run one batched selection, and build new tensors; no
 * intermediate tensor outlives the call, and inputs are never written. The ...Async twins read
 * with `await data()` and select through selectLayersAsync (native: off the main thread).
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkConfig, countsFor, DgpConfig, DEFAULT_CONFIG } from '../counts';
import type { DenseLayer } from '../layers';
import { GradientInput, readFloat32, readFloat32Async, readGradients, readGradientsAsync } from '../gradients';
import { LayerInput, LayerSelection, selectLayers, selectLayersAsync } from '../select';
import { buildTensorMap, newTensor } from './tensor_map';

export type TensorInput = tf.Tensor | tf.TensorLike;

/** A layer's kept set in sparse form (SPEC §4). */
export interface SparseLayer {
  shape: number[];
  /** Ascending flat (row-major) indices of the kept entries. */
  indices: Uint32Array;
  /** The kept values, bit-for-bit. */
  values: Float32Array;
}

type One = { codes?: boolean; pruned?: boolean };

function selectOne(x: TensorInput, config: DgpConfig, caller: string, want: One) {
  const checked = checkConfig(config, caller);
  const { values, shape } = readFloat32(x, `${caller}: x`);
  const counts = countsFor(values.length, checked, caller);
  const [out] = selectLayers([{ values, ...counts }], want, caller);
  return { out, shape };
}

async function selectOneAsync(x: TensorInput, config: DgpConfig, caller: string, want: One) {
  const checked = checkConfig(config, caller);
  const { values, shape } = await readFloat32Async(x, `${caller}: x`);
  const counts = countsFor(values.length, checked, caller);
  const [out] = await selectLayersAsync([{ values, ...counts }], want, caller);
  return { out, shape };
}

function maskTensor({ out, shape }: { out: LayerSelection; shape: number[] }, caller: string): tf.Tensor {
  const codes = out.codes!;
  const mask = new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) mask[i] = codes[i] === 1 ? 1 : 0;
  return newTensor(caller, mask, shape, 'bool');
}

/** Boolean mask of the kept set (true = kept), same shape as x. */
export function dgpMask(x: TensorInput, config: DgpConfig = DEFAULT_CONFIG): tf.Tensor {
  return maskTensor(selectOne(x, config, 'dgpMask', { codes: true }), 'dgpMask');
}

/**
 * dgpMask without blocking: reads x with `await data()` (webgl, webgpu) and, on the native
 * backend, selects on libuv's thread pool (wasm and ts: on this thread). Same result.
 */
export async function dgpMaskAsync(x: TensorInput, config: DgpConfig = DEFAULT_CONFIG): Promise<tf.Tensor> {
  return maskTensor(await selectOneAsync(x, config, 'dgpMaskAsync', { codes: true }), 'dgpMaskAsync');
}

/** x with the top- and bottom-removed entries set to +0 (float32, same shape). */
export function dgpPrune(x: TensorInput, config: DgpConfig = DEFAULT_CONFIG): tf.Tensor {
  const { out, shape } = selectOne(x, config, 'dgpPrune', { pruned: true });
  return newTensor('dgpPrune', out.pruned!, shape, 'float32');
}

/** dgpPrune without blocking (as dgpMaskAsync). Same result. */
export async function dgpPruneAsync(x: TensorInput, config: DgpConfig = DEFAULT_CONFIG): Promise<tf.Tensor> {
  const { out, shape } = await selectOneAsync(x, config, 'dgpPruneAsync', { pruned: true });
  return newTensor('dgpPruneAsync', out.pruned!, shape, 'float32');
}

export interface PrunedGradients {
  /** Same names and shapes as the input, pruned (kept values in place, +0 elsewhere). */
  pruned: tf.NamedTensorMap;
  /** Each layer's sparse kept set: what a client transmits. */
  kept: Record<string, SparseLayer>;
}

/** Selection inputs (counts from the config) for layers read by readGradients. */
function selectionInputs(layers: DenseLayer[], config: DgpConfig, caller: string): LayerInput[] {
  const checked = checkConfig(config, caller);
  return layers.map((l) => ({ name: l.name, values: l.values, ...countsFor(l.values.length, checked, `${caller}: grads['${l.name}']`) }));
}

const GRADIENT_OUTPUTS = { pruned: true, sparse: true } as const;

function prunedGradients(layers: LayerInput[], read: DenseLayer[], outs: LayerSelection[], caller: string): PrunedGradients {
  const shapes = read.map((l) => l.shape);
  // Both maps have a null prototype: any layer name is an own key (see buildTensorMap).
  const pruned = buildTensorMap(layers.map((l, i) => [l.name!, () => newTensor(caller, outs[i].pruned!, shapes[i], 'float32')]));
  const kept = Object.create(null) as Record<string, SparseLayer>;
  layers.forEach((l, i) => {
    kept[l.name!] = { shape: shapes[i], indices: outs[i].keptIndices!, values: outs[i].keptValues! };
  });
  return { pruned, kept };
}

/**
 * Prunes every layer of a gradient (a NamedTensorMap, or raw {name, shape, values} layers) in
 * one batched call and returns the pruned tensors plus each layer's sparse kept set.
 */
export function dgpPruneGradients(grads: GradientInput, config: DgpConfig = DEFAULT_CONFIG): PrunedGradients {
  const caller = 'dgpPruneGradients';
  const read = readGradients(grads, caller);
  const layers = selectionInputs(read, config, caller);
  return prunedGradients(layers, read, selectLayers(layers, GRADIENT_OUTPUTS, caller), caller);
}

/**
 * dgpPruneGradients without blocking: every tensor read with `await data()`, the selection (one
 * batched call) on libuv's thread pool on the native backend. Same result.
 */
export async function dgpPruneGradientsAsync(grads: GradientInput, config: DgpConfig = DEFAULT_CONFIG): Promise<PrunedGradients> {
  const caller = 'dgpPruneGradientsAsync';
  const read = await readGradientsAsync(grads, caller);
  const layers = selectionInputs(read, config, caller);
  return prunedGradients(layers, read, await selectLayersAsync(layers, GRADIENT_OUTPUTS, caller), caller);
}
