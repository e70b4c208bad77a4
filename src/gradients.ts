/**
 * The one gradient reader: every public function that takes a gradient (the tfjs ops in
 * src/tfjs/ops.ts, error feedback and ADGP in src/fl/) reads it here, with the same rules.
 * A gradient is a tfjs NamedTensorMap (a plain object of tensors, as tf.variableGrads returns)
 * or an Array of raw {name, shape, values} layers (src/fl/objects.ts readDenseLayers). Tensors
 * are float32 (int32 is cast; other dtypes are a TypeError); a TensorLike is read by
 * src/read.ts. The sync reader uses dataSync(); the async one awaits data(), which webgl and
 * webgpu need. Every argument is read once.
 */
import { readDenseLayers } from './layers';
import * as tf from '@tensorflow/tfjs-core';


import type { DenseLayer } from './layers';
import { readRecord, readTensorLike } from './read';

/** What the gradient functions accept: tensors by name, or raw layers. */
export type GradientInput = tf.NamedTensorMap | DenseLayer[];

const EXPECTED = 'a NamedTensorMap (a plain object of tensors) or an Array of {name, shape, values}';

type Float32Data = { values: Float32Array; shape: number[] };

/** A checked tensor still to read, or TensorLike data already read. */
function source(x: unknown, what: string): { tensor: tf.Tensor; shape: number[]; int32: boolean } | Float32Data {
  if (!(x instanceof tf.Tensor)) return readTensorLike(x, what);
  const { isDisposed, dtype, shape } = x;
  if (isDisposed) throw new TypeError(`${what} is a disposed tensor`);
  if (dtype !== 'float32' && dtype !== 'int32') throw new TypeError(`${what} must have dtype float32 or int32, got ${String(dtype)}`);
  return { tensor: x, shape: shape.slice(), int32: dtype === 'int32' };
}

function asFloat32(data: unknown, int32: boolean): Float32Array {
  return int32 ? Float32Array.from(data as Int32Array) : (data as Float32Array);
}

/** Flat float32 data and shape of a tensor or TensorLike (int32 cast; bool/string/complex rejected). */
export function readFloat32(x: unknown, what: string): Float32Data {
  const s = source(x, what);
  return 'values' in s ? s : { values: asFloat32(s.tensor.dataSync(), s.int32), shape: s.shape };
}

/** readFloat32 with `await data()` (no blocking read-back on webgl; webgpu has no dataSync). */
export async function readFloat32Async(x: unknown, what: string): Promise<Float32Data> {
  const s = source(x, what);
  return 'values' in s ? s : { values: asFloat32(await s.tensor.data(), s.int32), shape: s.shape };
}

/** A checked raw layer, or a tensor still to read. */
type Entry = { layer: DenseLayer } | { name: string; x: unknown; what: string };

function entries(grads: unknown, caller: string): Entry[] {
  if (Array.isArray(grads))
    return readDenseLayers(grads, `${caller}: grads`).map(({ name, shape, values }) => ({ layer: { name, shape, values } }));
  if (grads instanceof tf.Tensor) throw new TypeError(`${caller}: grads must be ${EXPECTED}, got a Tensor`);
  return readRecord(grads, `${caller}: grads`, EXPECTED).map(([name, x]) => ({ name, x, what: `${caller}: grads['${name}']` }));
}

/** Layers in input order; values are the caller's arrays or the tensors' data (read, never written). */
export function readGradients(grads: unknown, caller: string): DenseLayer[] {
  return entries(grads, caller).map((e) => ('layer' in e ? e.layer : { name: e.name, ...readFloat32(e.x, e.what) }));
}

/** readGradients with every tensor read by `await data()` (all reads in flight at once). */
export async function readGradientsAsync(grads: unknown, caller: string): Promise<DenseLayer[]> {
  const list = entries(grads, caller);
  // Check every tensor before awaiting any read, so a bad layer fails as in the sync reader.
  const sources = list.map((e) => ('layer' in e ? e.layer : { name: e.name, s: source(e.x, e.what) }));
  return Promise.all(
    sources.map(async (e) => {
      if (!('s' in e)) return e;
      const s = e.s;
      return { name: e.name, ...('values' in s ? s : { values: asFloat32(await s.tensor.data(), s.int32), shape: s.shape }) };
    }),
  );
}
