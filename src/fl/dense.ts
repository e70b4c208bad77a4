/**
 * Decoded updates and dense layers (SPEC §7), in memory: the sum or weighted mean of decoded
 * updates into dense float32 layers (a scatter-add per update, in update order, so every backend
 * gives the same bits), and the conversions around it (densify, to tensors, back to sparse). The
 * streaming server over encoded bytes is aggregator.ts's Aggregator. Every update is read and checked in full (names, shapes, indices
 * ascending and in range, finite values) before anything is added.
 */
import { quoteName, readDenseLayers } from '../layers';
import * as tf from '@tensorflow/tfjs-core';

import { describeValue } from '../errors';
import { buildTensorMap, newTensor } from '../tfjs/tensor_map';
import { DgpFormatError } from './errors';
import { kernelsFor } from '../backend';
import { checkRound } from './codec';
import { checkSparseContent, PlainSparseLayer, readSparseMessage } from './objects';
import { checkLimit, checkList, enforceLimit, readAggregateOptions } from './options';
import type { AggregateOptions, DenseLayer, ElementLimit, Update } from './types';

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Scatters each (checked) layer's entries into a fresh dense array per reference layer. */
function scatterAll(updates: PlainSparseLayer[][], ref: PlainSparseLayer[], w: number[], total: number): DenseLayer[] {
  const k = kernelsFor(total);
  const out = ref.map((l) => ({ name: l.name, shape: l.shape.slice(), values: new Float32Array(l.n) }));
  updates.forEach((layers, c) => {
    const byName = new Map(layers.map((l) => [l.name, l]));
    out.forEach((o) => {
      const l = byName.get(o.name)!;
      k.scatter(o.values, l.indices, l.values!, w[c], true); // indices checked: cannot fail
    });
  });
  return out;
}

/**
 * Sum (default) or weighted mean of N updates into one dense float32 array per layer, in the
 * first update's layer order. Names and shapes must agree across updates (else RangeError naming
 * the layer and the update position); options.maxElements bounds the dense result. Indices not
 * ascending or out of range and non-finite values are a DgpFormatError naming the update and
 * layer (an update is usually a decoded message).
 */
export function aggregateUpdates(updates: Update[], options: AggregateOptions & ElementLimit): DenseLayer[] {
  const caller = 'aggregateUpdates';
  const list = checkList<unknown>(updates, caller, 'updates');
  const { w, max } = readAggregateOptions(options, list.length, caller, true);
  const read = list.map((u, c) => readSparseMessage(u, `${caller}: updates[${c}]`, true).layers);
  const ref = read[0];
  const elements = ref.reduce((s, l) => s + l.n, 0);
  enforceLimit(elements, max, caller);
  const refByName = new Map(ref.map((l) => [l.name, l]));
  read.forEach((layers, c) => {
    if (c === 0) return;
    const names = new Set<string>();
    for (const l of layers) {
      if (!refByName.has(l.name)) throw new RangeError(`${caller}: update ${c} has layer ${quoteName(l.name)}, which update 0 lacks`);
      names.add(l.name);
    }
    for (const r of ref) {
      if (!names.has(r.name)) throw new RangeError(`${caller}: update ${c} lacks layer ${quoteName(r.name)}`);
      const l = layers.find((x) => x.name === r.name)!;
      if (!sameShape(l.shape, r.shape))
        throw new RangeError(`${caller}: update ${c} layer ${quoteName(r.name)} has shape [${l.shape}], update 0 has [${r.shape}]`);
    }
  });
  const k = kernelsFor(elements);
  read.forEach((layers, c) => layers.forEach((l) => checkSparseContent(k, l, `${caller}: update ${c} layer ${quoteName(l.name)}`, DgpFormatError)));
  return scatterAll(read, ref, w, elements);
}

/** One update as dense layers (kept values in place, +0 elsewhere); maxElements bounds the result. */
export function densifyUpdate(update: Update, options: ElementLimit): DenseLayer[] {
  const caller = 'densifyUpdate';
  const max = checkLimit(options, caller);
  const { layers } = readSparseMessage(update, `${caller}: update`, true);
  const elements = layers.reduce((s, l) => s + l.n, 0);
  enforceLimit(elements, max, caller);
  const k = kernelsFor(elements);
  layers.forEach((l) => checkSparseContent(k, l, `${caller}: layer ${quoteName(l.name)}`, DgpFormatError));
  return layers.map((l) => {
    const values = new Float32Array(l.n);
    k.scatter(values, l.indices, l.values!, 1, false); // indices checked: cannot fail
    return { name: l.name, shape: l.shape.slice(), values };
  });
}

/**
 * Dense layers as a tfjs NamedTensorMap (new float32 tensors; the caller disposes them). The map
 * has a null prototype, so any layer name (even '__proto__' or 'toString') is an own key. All
 * layers are checked before the first tensor is made; nothing leaks on an error.
 */
export function aggregateToTensors(layers: DenseLayer[]): tf.NamedTensorMap {
  const list = readDenseLayers(layers, 'aggregateToTensors: layers');
  return buildTensorMap(list.map((l) => [l.name, () => newTensor('aggregateToTensors', l.values, l.shape, 'float32')]));
}

/**
 * The non-zero entries of dense layers as an Update (e.g. a plain-DGP server's download of the
 * aggregate). +0 and -0 are both left out; a NaN/Infinity is a RangeError naming the layer and
 * index (an update carries finite values only).
 */
export function sparseFromDense(layers: DenseLayer[], round = 0): Update {
  const caller = 'sparseFromDense';
  checkRound(round, caller);
  const list = readDenseLayers(layers, `${caller}: layers`);
  const k = kernelsFor(list.reduce((s, l) => s + l.n, 0));
  list.forEach((l, i) => {
    const bad = k.firstNonFinite(l.values);
    if (bad >= 0)
      throw new RangeError(`${caller}: layers[${i}] (${quoteName(l.name)}) holds ${describeValue(l.values[bad])} at index ${bad}; values must be finite`);
  });
  return {
    round,
    layers: list.map((l) => {
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
