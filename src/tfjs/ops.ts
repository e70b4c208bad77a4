/**
 * tfjs ops (SPEC §10): dgpMask and dgpPrune on one tensor, dgpPruneGradients on a whole gradient
 * map. They read tensor data (dataSync), run one batched selection, and build new tensors; no
 * intermediate tensor outlives the call, and inputs are never written.
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkConfig, countsFor, DgpConfig, DEFAULT_CONFIG } from '../counts';
import { describeValue } from '../errors';
import { LayerInput, selectLayers } from '../select';

export type TensorInput = tf.Tensor | tf.TensorLike;

/** A layer's kept set in sparse form (SPEC §4). */
export interface SparseLayer {
  shape: number[];
  /** Ascending flat (row-major) indices of the kept entries. */
  indices: Uint32Array;
  /** The kept values, bit-for-bit. */
  values: Float32Array;
}

/** Flat float32 data and shape of a tensor or TensorLike (int32 cast; bool/string/complex rejected). */
export function readFloat32(x: unknown, what: string): { values: Float32Array; shape: number[] } {
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) throw new TypeError(`${what} is a disposed tensor`);
    if (x.dtype === 'float32') return { values: x.dataSync() as Float32Array, shape: x.shape.slice() };
    if (x.dtype === 'int32') return { values: Float32Array.from(x.dataSync() as Int32Array), shape: x.shape.slice() };
    throw new TypeError(`${what} must have dtype float32 or int32, got ${x.dtype}`);
  }
  const isLike =
    typeof x === 'number' || Array.isArray(x) || x instanceof Float32Array || x instanceof Int32Array || x instanceof Uint8Array;
  if (!isLike) throw new TypeError(`${what} must be a Tensor or TensorLike, got ${describeValue(x)}`);
  if (x instanceof Uint8Array) throw new TypeError(`${what} must be float32 or int32 data, got Uint8Array`);
  let t: tf.Tensor;
  try {
    t = tf.tensor(x as tf.TensorLike);
  } catch (e) {
    throw new TypeError(`${what} is not a valid TensorLike: ${(e as Error).message}`);
  }
  try {
    return readFloat32(t, what);
  } finally {
    t.dispose();
  }
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
  if (grads === null || typeof grads !== 'object' || Array.isArray(grads) || grads instanceof tf.Tensor)
    throw new TypeError(`${caller}: grads must be a NamedTensorMap (an object of tensors), got ${describeValue(grads)}`);
  const checked = checkConfig(config, caller);
  const layers: LayerInput[] = [];
  const shapes: number[][] = [];
  for (const name of Object.keys(grads)) {
    const { values, shape } = readFloat32((grads as Record<string, unknown>)[name], `${caller}: grads['${name}']`);
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
  const pruned: tf.NamedTensorMap = {};
  const kept: Record<string, SparseLayer> = {};
  layers.forEach((layer, i) => {
    const name = layer.name!;
    pruned[name] = tf.tensor(outs[i].pruned!, shapes[i], 'float32');
    kept[name] = { shape: shapes[i], indices: outs[i].keptIndices!, values: outs[i].keptValues! };
  });
  return { pruned, kept };
}
