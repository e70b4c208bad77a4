/**
 * tfjs ops (SPEC §10): dgpMask and dgpPrune on one tensor, dgpPruneGradients on a whole gradient
 * map. They read tensor data (dataSync), run one batched selection, and build new tensors; no
 * intermediate tensor outlives the call, and inputs are never written.
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkConfig, countsFor, DgpConfig, DEFAULT_CONFIG } from '../counts';
import { readRecord, readTensorLike } from '../read';
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

/**
 * Flat float32 data and shape of a tensor or TensorLike (int32 cast; bool/string/complex
 * rejected). A TensorLike is read by the package itself (src/read.ts), once, and must be
 * rectangular; tensor fields are read once.
 */
export function readFloat32(x: unknown, what: string): { values: Float32Array; shape: number[] } {
  if (x instanceof tf.Tensor) {
    const { isDisposed, dtype, shape } = x;
    if (isDisposed) throw new TypeError(`${what} is a disposed tensor`);
    if (dtype === 'float32') return { values: x.dataSync() as Float32Array, shape: shape.slice() };
    if (dtype === 'int32') return { values: Float32Array.from(x.dataSync() as Int32Array), shape: shape.slice() };
    throw new TypeError(`${what} must have dtype float32 or int32, got ${String(dtype)}`);
  }
  return readTensorLike(x, what);
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

/** Reads a NamedTensorMap (as tf.variableGrads returns) into selection inputs. */
export function readGradientMap(grads: unknown, config: DgpConfig, caller: string): { layers: LayerInput[]; shapes: number[][] } {
  const expected = 'a NamedTensorMap (a plain object of tensors)';
  if (grads instanceof tf.Tensor) throw new TypeError(`${caller}: grads must be ${expected}, got a Tensor`);
  const entries = readRecord(grads, `${caller}: grads`, expected);
  const checked = checkConfig(config, caller);
  const layers: LayerInput[] = [];
  const shapes: number[][] = [];
  for (const [name, tensor] of entries) {
    const { values, shape } = readFloat32(tensor, `${caller}: grads['${name}']`);
    const counts = countsFor(values.length, checked, `${caller}: grads['${name}']`);
    layers.push({ name, values, ...counts });
    shapes.push(shape);
  }
  return { layers, shapes };
}

/**
 * Prunes every layer of a gradient map in one batched call and returns the pruned tensors plus
 * each layer's sparse kept set.
 */
export function dgpPruneGradients(grads: tf.NamedTensorMap, config: DgpConfig = DEFAULT_CONFIG): PrunedGradients {
  const caller = 'dgpPruneGradients';
  const { layers, shapes } = readGradientMap(grads, config, caller);
  const outs = selectLayers(layers, { pruned: true, sparse: true }, caller);
  // Both maps have a null prototype: any layer name is an own key (see buildTensorMap).
  const pruned = buildTensorMap(layers.map((l, i) => [l.name!, () => tf.tensor(outs[i].pruned!, shapes[i], 'float32')]));
  const kept = Object.create(null) as Record<string, SparseLayer>;
  layers.forEach((l, i) => {
    kept[l.name!] = { shape: shapes[i], indices: outs[i].keptIndices!, values: outs[i].keptValues! };
  });
  return { pruned, kept };
}
