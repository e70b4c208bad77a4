/**
 * The FL layer's argument objects (Update, AlignedPositions, AlignedValues, DenseLayer lists)
 * read once into plain copies: every field is read a single time, names follow the name rule
 * (src/layers.ts nameBytes), shapes are copied (holes rejected), typed arrays are brand-checked fresh
 * views. Type problems are TypeError, bad names, shapes, lengths and duplicates RangeError.
 * Content checks that need a pass over the data (indices ascending and < n, values finite) are
 * checkSparseContent, whose error class the caller picks.
 */
import { describeValue } from '../errors';
import { readArray, readObject, readTyped } from '../read';
import type { Kernels } from '../surface/kernels';
import { checkRound } from './codec';
import { layerLabelOf as labelOf, nameBytes, quoteName, readShape, uniqueNames } from '../layers';

export interface PlainSparseLayer {
  name: string;
  nameBytes: Uint8Array;
  shape: number[];
  n: number;
  indices: Uint32Array;
  /** null when read without values (positions). */
  values: Float32Array | null;
}

export function readSparseLayers(layers: unknown, what: string, withValues: boolean): PlainSparseLayer[] {
  const fields = withValues ? '{name, shape, indices, values}' : '{name, shape, indices}';
  const list = readArray(layers, what, `an Array of ${fields}`).map((layer, i): PlainSparseLayer => {
    const l = readObject(layer, `${what}[${i}]`, `an object ${fields}`);
    const { name, shape, indices, values } = l;
    const bytes = nameBytes(name, `${what}[${i}]`);
    const where = labelOf(what, i, name as string);
    const s = readShape(shape, where);
    const idx = readTyped(indices, Uint32Array, `${where}: indices`);
    let vals: Float32Array | null = null;
    if (withValues) {
      vals = readTyped(values, Float32Array, `${where}: values`);
      if (vals.length !== idx.length)
        throw new RangeError(`${where}: values has ${vals.length} entries but indices has ${idx.length}`);
    }
    return { name: name as string, nameBytes: bytes, shape: s.shape, n: s.n, indices: idx, values: vals };
  });
  uniqueNames(list.map((l) => l.name), what);
  return list;
}

/** Indices strictly ascending and < n, values finite; else an error of class `Err` saying where. */
export function checkSparseContent(
  k: Kernels, l: PlainSparseLayer, where: string, Err: new (message: string) => Error,
): void {
  if (l.values) {
    const bad = k.firstNonFinite(l.values);
    if (bad >= 0) throw new Err(`${where}: values[${bad}] is ${describeValue(l.values[bad])}; values must be finite`);
  }
  const delta = k.deltaSize(l.indices, l.n);
  if (delta < 0) {
    const j = -delta - 1;
    const i = l.indices[j];
    const why = i >= l.n ? `is >= the layer size ${l.n}` : `is not greater than indices[${j - 1}] = ${l.indices[j - 1]}`;
    throw new Err(`${where}: indices[${j}] = ${i} ${why}; indices must be strictly ascending and < n`);
  }
}

/** An Update (or positions when !withValues): round and layers, read once. */
export function readSparseMessage(x: unknown, what: string, withValues: boolean): { round: number; id: unknown; layers: PlainSparseLayer[] } {
  const fields = withValues ? 'round, layers: [{name, shape, indices, values}]' : 'round, layers: [{name, shape, indices}]';
  const o = readObject(x, what, `an object {${fields}}`);
  const { round, layers, id } = o;
  return { round: checkRound(round, what), id, layers: readSparseLayers(layers, `${what}.layers`, withValues) };
}

/** AlignedValues read once: round, positionsId (u32) and layers of {name, values}. */
export function readAlignedValues(x: unknown, what: string): { round: number; positionsId: number; layers: Array<{ name: string; nameBytes: Uint8Array; values: Float32Array }> } {
  const o = readObject(x, what, 'an object {round, positionsId, layers: [{name, values}]}');
  const { round, positionsId, layers } = o;
  const r = checkRound(round, what);
  if (typeof positionsId !== 'number' || !Number.isInteger(positionsId) || positionsId < 0 || positionsId > 0xffffffff)
    throw new (typeof positionsId === 'number' ? RangeError : TypeError)(
      `${what}.positionsId must be a u32 (the positions' id), got ${describeValue(positionsId)}`,
    );
  const list = readArray(layers, `${what}.layers`, 'an Array of {name, values}').map((layer, i) => {
    const l = readObject(layer, `${what}.layers[${i}]`, 'an object {name, values}');
    const { name, values } = l;
    const bytes = nameBytes(name, `${what}.layers[${i}]`);
    return { name: name as string, nameBytes: bytes, values: readTyped(values, Float32Array, `${labelOf(`${what}.layers`, i, name as string)}: values`) };
  });
  uniqueNames(list.map((l) => l.name), `${what}.layers`);
  return { round: r, positionsId, layers: list };
}


/** ADGP positions read once and checked in full: the broadcast every ADGP reader works from. */
export interface PlainPositions {
  round: number;
  id: number;
  layers: PlainSparseLayer[];
}

/**
 * AlignedPositions (from decodePositions) read once, with one rule and one error class each:
 * its shape as readSparseMessage's (TypeError / RangeError), `id` a u32 (TypeError), each layer's
 * indices strictly ascending and < its size (RangeError: positions are an argument, not bytes).
 * aggregateAligned, densifyAligned, ErrorFeedback.stepAligned and new Aggregator({layout}) all
 * read positions here.
 */
export function readPositions(x: unknown, what: string, k: (elements: number) => Kernels): PlainPositions {
  const p = readSparseMessage(x, what, false);
  const id = p.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff)
    throw new TypeError(`${what}.id must be the u32 id set by decodePositions(), got ${describeValue(id)}`);
  const kernels = k(p.layers.reduce((s, l) => s + l.indices.length, 0));
  for (const l of p.layers)
    if (kernels.deltaSize(l.indices, l.n) < 0)
      throw new RangeError(`${what} layer ${quoteName(l.name)} indices must be strictly ascending and < ${l.n}`);
  return { round: p.round, id, layers: p.layers };
}
