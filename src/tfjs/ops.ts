/**
 * tfjs ops (SPEC §10): dgpMask and dgpPrune on one tensor, dgpPruneGradients on a whole gradient
 * map. They read tensor data (dataSync), run one batched selection, and build new tensors; no
 * intermediate tensor outlives the call, and inputs are never written.
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkConfig, countsFor, DgpConfig, DEFAULT_CONFIG } from '../counts';
import type { DenseLayer } from '../fl/types';
import { readFloat32, readGradients } from '../gradients';
import { LayerInput, selectLayers } from '../select';
import { buildTensorMap } from './tensor_map';

export type TensorInput = tf.Tensor | tf.TensorLike;

/** A layer's kept set in sparse form (SPEC §4). */
export interface SparseLayer {
  shape: number[];
  /** Ascending flat (row-major) indices of the kept entries. */
  indices: Uint32Array;
  /** The kept values, bit-for-bit. */
  values: Float32Array;
}

function selectOne(x: TensorInput, config: DgpConfig, caller: string, want: { codes?: boolean; pruned?: boolean }) {
  const checked = checkConfig(config, caller);
  const { values, shape } = readFloat32(x, `${caller}: x`);
  const counts = countsFor(values.length, checked, caller);
  const [out] = selectLayers([{ values, ...counts }], want, caller);
  return { out, shape };
}

/** Boolean mask of the kept set (true = kept), same shape as x. */
export function dgpMask(x: TensorInput, config: DgpConfig = DEFAULT_CONFIG): tf.Tensor {
  const { out, shape } = selectOne(x, config, 'dgpMask', { codes: true });
  const codes = out.codes!;
  const mask = new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) mask[i] = codes[i] === 1 ? 1 : 0;
  return tf.tensor(mask, shape, 'bool');
}

/** x with the top- and bottom-removed entries set to +0 (float32, same shape). */
export function dgpPrune(x: TensorInput, config: DgpConfig = DEFAULT_CONFIG): tf.Tensor {
  const { out, shape } = selectOne(x, config, 'dgpPrune', { pruned: true });
  return tf.tensor(out.pruned!, shape, 'float32');
}

export interface PrunedGradients {
  /** Same names and shapes as the input, pruned (kept values in place, +0 elsewhere). */
  pruned: tf.NamedTensorMap;
  /** Each layer's sparse kept set: what a client transmits. */
  kept: Record<string, SparseLayer>;
}

/** Selection inputs (counts from a checked config) for layers read by readGradients. */
function selectionInputs(layers: DenseLayer[], checked: DgpConfig, caller: string): LayerInput[] {
  return layers.map((l) => ({ name: l.name, values: l.values, ...countsFor(l.values.length, checked, `${caller}: grads['${l.name}']`) }));
}

/**
 * Prunes every layer of a gradient map in one batched call and returns the pruned tensors plus
 * each layer's sparse kept set.
 */
export function dgpPruneGradients(grads: tf.NamedTensorMap, config: DgpConfig = DEFAULT_CONFIG): PrunedGradients {
  const caller = 'dgpPruneGradients';
  const read = readGradients(grads, caller);
  const checked = checkConfig(config, caller);
  const layers = selectionInputs(read, checked, caller);
  const shapes = read.map((l) => l.shape);
  const outs = selectLayers(layers, { pruned: true, sparse: true }, caller);
  // Both maps have a null prototype: any layer name is an own key (see buildTensorMap).
  const pruned = buildTensorMap(layers.map((l, i) => [l.name!, () => tf.tensor(outs[i].pruned!, shapes[i], 'float32')]));
  const kept = Object.create(null) as Record<string, SparseLayer>;
  layers.forEach((l, i) => {
    kept[l.name!] = { shape: shapes[i], indices: outs[i].keptIndices!, values: outs[i].keptValues! };
  });
  return { pruned, kept };
}
