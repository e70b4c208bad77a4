/**
 * Server side of plain DGP (SPEC §7): sum or weighted mean of decoded updates into dense float32
 * layers (a scatter-add per update, in update order, so every backend gives the same bits), and
 * the conversions around it. Every update is checked against the first before anything is added.
 */
import * as tf from '@tensorflow/tfjs-core';

import { describeValue } from '../errors';
import { DgpFormatError } from './errors';
import { flKernels } from './kernels';
import { checkRound, shapeSize } from './layout';
import { checkLimit, checkList, enforceLimit, factors } from './options';
import type { AggregateOptions, DenseLayer, ElementLimit, Update, UpdateLayer } from './types';

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function checkLayer(l: UpdateLayer, caller: string, where: string): number {
  if (l === null || typeof l !== 'object') throw new TypeError(`${caller}: ${where} must be {name, shape, indices, values}, got ${describeValue(l)}`);
  if (!(l.indices instanceof Uint32Array) || !(l.values instanceof Float32Array) || l.indices.length !== l.values.length)
    throw new TypeError(`${caller}: ${where} ('${l.name}') needs indices (Uint32Array) and values (Float32Array) of equal length`);
  return shapeSize(l.shape, `${caller}: ${where} ('${l.name}')`);
}

/** Scatters each layer's entries into a fresh dense array; throws if an index is out of range. */
function scatterAll(updates: Update[], ref: UpdateLayer[], w: number[], caller: string): DenseLayer[] {
  const total = ref.reduce((s, l) => s + shapeSize(l.shape, caller), 0);
  const k = flKernels(total);
  const out = ref.map((l) => ({ name: l.name, shape: l.shape.slice(), values: new Float32Array(shapeSize(l.shape, caller)) }));
  updates.forEach((u, c) => {
    const byName = new Map(u.layers.map((l) => [l.name, l]));
    out.forEach((o) => {
      const l = byName.get(o.name)!;
      // The output is fresh and only returned on success, so an early stop half-applies nothing.
      const bad = k.scatter(o.values, l.indices, l.values, w[c], true);
      if (bad >= 0)
        throw new DgpFormatError(`${caller}: update ${c} layer '${o.name}' index ${l.indices[bad]} (entry ${bad}) is >= the layer size ${o.values.length}`);
    });
  });
  return out;
}

/**
 * Sum (default) or weighted mean of N updates into one dense float32 array per layer, in the
 * first update's layer order. Names and shapes must agree across updates (else RangeError naming
 * the layer and the update position); options.maxElements bounds the dense result.
 */
export function aggregateUpdates(updates: Update[], options: AggregateOptions & ElementLimit): DenseLayer[] {
  const caller = 'aggregateUpdates';
  const list = checkList<Update>(updates, caller, 'updates');
  const max = checkLimit(options, caller);
  const w = factors(options, list.length, caller);
  const ref = list[0].layers;
  const refNames = new Set<string>();
  let elements = 0;
  ref.forEach((l, i) => {
    elements += checkLayer(l, caller, `updates[0].layers[${i}]`);
    if (refNames.has(l.name)) throw new RangeError(`${caller}: update 0 has layer '${l.name}' twice`);
    refNames.add(l.name);
  });
  enforceLimit(elements, max, caller);
  list.forEach((u, c) => {
    if (c === 0) return;
    const byName = new Map<string, UpdateLayer>();
    u.layers.forEach((l, i) => {
      checkLayer(l, caller, `updates[${c}].layers[${i}]`);
      if (!refNames.has(l.name)) throw new RangeError(`${caller}: update ${c} has layer '${l.name}', which update 0 lacks`);
      if (byName.has(l.name)) throw new RangeError(`${caller}: update ${c} has layer '${l.name}' twice`);
      byName.set(l.name, l);
    });
    for (const r of ref) {
      const l = byName.get(r.name);
      if (!l) throw new RangeError(`${caller}: update ${c} lacks layer '${r.name}'`);
      if (!sameShape(l.shape, r.shape))
        throw new RangeError(`${caller}: update ${c} layer '${r.name}' has shape [${l.shape}], update 0 has [${r.shape}]`);
    }
  });
  return scatterAll(list, ref, w, caller);
}

/** One update as dense layers (kept values in place, +0 elsewhere); maxElements bounds the result. */
export function densifyUpdate(update: Update, options: ElementLimit): DenseLayer[] {
  const caller = 'densifyUpdate';
  const [u] = checkList<Update>([update], caller, 'update');
  const max = checkLimit(options, caller);
  const elements = u.layers.reduce((s, l, i) => s + checkLayer(l, caller, `layers[${i}]`), 0);
  enforceLimit(elements, max, caller);
  const k = flKernels(elements);
  return u.layers.map((l) => {
    const values = new Float32Array(shapeSize(l.shape, caller));
    const bad = k.scatter(values, l.indices, l.values, 1, false);
    if (bad >= 0) throw new DgpFormatError(`${caller}: layer '${l.name}' index ${l.indices[bad]} is >= the layer size ${values.length}`);
    return { name: l.name, shape: l.shape.slice(), values };
  });
}

/** Dense layers as a tfjs NamedTensorMap (new float32 tensors; the caller disposes them). */
export function aggregateToTensors(layers: DenseLayer[]): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const l of layers) out[l.name] = tf.tensor(l.values, l.shape, 'float32');
  return out;
}

/**
 * The non-zero entries of dense layers as an Update (e.g. a plain-DGP server's download of the
 * aggregate). +0 and -0 are both left out.
 */
export function sparseFromDense(layers: DenseLayer[], round = 0): Update {
  checkRound(round, 'sparseFromDense');
  return {
    round,
    layers: layers.map((l) => {
      const v = l.values;
      let count = 0;
      for (let i = 0; i < v.length; i++) if (v[i] !== 0) count++;
      const indices = new Uint32Array(count);
      const values = new Float32Array(count);
      for (let i = 0, j = 0; i < v.length; i++)
        if (v[i] !== 0) {
          indices[j] = i;
          values[j++] = v[i];
        }
      return { name: l.name, shape: l.shape.slice(), indices, values };
    }),
  };
}
