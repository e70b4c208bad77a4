/**
 * Dense layers, the core data of the package (a gradient, a memory, an aggregate), and the rules
 * every layer obeys wherever it comes from: its name (well-formed UTF-16, at most MAX_NAME_BYTES
 * UTF-8 bytes, so it survives the wire exactly; docs/FORMAT.md "Names") and its shape. The
 * gradient reader (src/gradients.ts), the tfjs ops and the FL layer all read layers here.
 */
import { describeValue } from './errors';
import { readArray, readObject, readTyped } from './read';
import { MAX_NAME_BYTES, MAX_RANK, MAX_U32 } from './surface/format';

/** A dense float32 layer (a gradient, a memory, an aggregate). */
export interface DenseLayer {
  name: string;
  shape: number[];
  values: Float32Array;
}

const encoder = new TextEncoder();

/** Index of the first lone surrogate in s, or -1 (s is then well-formed UTF-16). */
export function loneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/**
 * A layer name (docs/FORMAT.md, Names): a string of well-formed UTF-16 (no lone surrogate, so it
 * round-trips through UTF-8 exactly) whose UTF-8 form is at most MAX_NAME_BYTES bytes. Returns
 * those bytes; TypeError for a non-string, RangeError for any other bad name.
 */
export function nameBytes(name: unknown, what: string): Uint8Array {
  if (typeof name !== 'string') throw new TypeError(`${what}: name must be a string, got ${describeValue(name)}`);
  const lone = loneSurrogate(name);
  if (lone >= 0)
    throw new RangeError(
      `${what}: name ${describeValue(name)} has a lone surrogate U+${name.charCodeAt(lone).toString(16).toUpperCase()} at ${lone}; ` +
        'names must be well-formed UTF-16 so they survive UTF-8 exactly',
    );
  if (name.length > MAX_NAME_BYTES)
    throw new RangeError(`${what}: name ${describeValue(name)} is at least ${name.length} UTF-8 bytes; at most ${MAX_NAME_BYTES} are allowed`);
  const b = encoder.encode(name);
  if (b.length > MAX_NAME_BYTES)
    throw new RangeError(`${what}: name ${describeValue(name)} is ${b.length} UTF-8 bytes; at most ${MAX_NAME_BYTES} are allowed`);
  return b;
}

/** A shape read once into a plain Array (holes read as undefined and are rejected), and its size. */
export function readShape(shape: unknown, what: string): { shape: number[]; n: number } {
  if (!Array.isArray(shape)) throw new TypeError(`${what}: shape must be an Array of integers, got ${describeValue(shape)}`);
  const rank = shape.length;
  if (rank > MAX_RANK) throw new RangeError(`${what}: shape has rank ${rank}; at most ${MAX_RANK} is allowed`);
  const dims: number[] = [];
  let n = 1;
  for (let i = 0; i < rank; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > MAX_U32)
      throw new RangeError(`${what}: shape[${i}] must be an integer in [0, 2^32-1], got ${describeValue(d)}`);
    dims.push(d);
    n *= d;
  }
  if (n > MAX_U32) throw new RangeError(`${what}: shape [${dims.join(', ')}] has ${n} elements; at most 2^32-1 are allowed`);
  return { shape: dims, n };
}

/** Validated encoder-side shape: returns its element count. */
export function shapeSize(shape: unknown, what: string): number {
  return readShape(shape, what).n;
}

/** A layer name for messages: 'name' (cut when long, escapes shown as JSON does). */
export function quoteName(name: string): string {
  return describeValue(name).replace(/^"|"(?=…|$)/g, "'");
}

/** Layer names must be unique within one message or list. */
export function uniqueNames(names: string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new RangeError(`${what}: layer name ${quoteName(name)} appears twice`);
    seen.add(name);
  }
}

/** `label` for messages: what[i] ('name'). */
export function layerLabelOf(what: string, i: number, name: string): string {
  return `${what}[${i}] (${quoteName(name)})`;
}

export interface PlainDenseLayer {
  name: string;
  shape: number[];
  n: number;
  values: Float32Array;
}

/** A list of dense layers {name, shape, values}, read once; shape and values must agree. */
export function readDenseLayers(x: unknown, what: string): PlainDenseLayer[] {
  const list = readArray(x, what, 'an Array of {name, shape, values}').map((layer, i) => {
    const l = readObject(layer, `${what}[${i}]`, 'an object {name, shape, values}');
    const { name, shape, values } = l;
    nameBytes(name, `${what}[${i}]`);
    const where = layerLabelOf(what, i, name as string);
    const s = readShape(shape, where);
    const v = readTyped(values, Float32Array, `${where}: values`);
    if (v.length !== s.n) throw new RangeError(`${where}: shape [${s.shape.join(', ')}] has ${s.n} elements but values has ${v.length}`);
    return { name: name as string, shape: s.shape, n: s.n, values: v };
  });
  uniqueNames(list.map((l) => l.name), what);
  return list;
}
