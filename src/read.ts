/**
 * Reading caller arguments once into plain values (docs/ERRORS.md). Every public function reads
 * each argument, field and array element exactly once through these helpers and works on what
 * they return, so a getter that changes its answer, a Proxy, or an own `length` property on a
 * typed array cannot make two parts of a call see different inputs. No user code runs after the
 * read, so validation of the whole call happens before anything is written.
 */
import { describeValue } from './errors';
import { typedArrayParts, typedArrayTag } from './typed_array';

export { typedArrayTag };

interface ViewCtor<T> {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly name: string;
}

/**
 * An object whose prototype chain is a typed array's (a Proxy of one, or Object.create of one)
 * without being a typed array. Checked by shape, not by instanceof, so it works across realms.
 */
function posesAsTyped(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  // A Proxy whose getPrototypeOf trap throws: the caller's own exception passes through.
  for (let p = Object.getPrototypeOf(v); p !== null; p = Object.getPrototypeOf(p))
    if (Object.prototype.hasOwnProperty.call(p, 'BYTES_PER_ELEMENT')) return true;
  return false;
}

/**
 * A fresh view of the same memory as the caller's typed array `v`, which must be exactly of
 * `ctor`'s element type. The view has no own properties and a fixed length, so later reads
 * cannot be redirected; writes through it land in the caller's memory.
 */
export function readTyped<T>(v: unknown, ctor: ViewCtor<T>, what: string): T {
  const tag = typedArrayTag(v);
  if (tag !== ctor.name) {
    if (tag === undefined && posesAsTyped(v))
      throw new TypeError(`${what} must be a ${ctor.name}, got a Proxy (or another object posing as a typed array); pass the typed array itself`);
    throw new TypeError(`${what} must be a ${ctor.name}, got ${describeValue(v)}`);
  }
  const { buffer, byteOffset, length } = typedArrayParts(v);
  try {
    return new ctor(buffer, byteOffset, length);
  } catch {
    throw new TypeError(`${what} is a ${ctor.name} whose ArrayBuffer is detached (transferred), got ${describeValue(v)}`);
  }
}

/**
 * Before a field that read as undefined is reported missing: asks the object whether it has the
 * field, so a Proxy's `has` trap runs and a caller's own exception from it passes through
 * unchanged instead of a message about `undefined`. Costs nothing on a valid call.
 */
export function probeMissing(o: object, keys: readonly string[], values: readonly unknown[]): void {
  for (let i = 0; i < keys.length; i++) if (values[i] === undefined) void (keys[i] in o);
}

/** A plain (or class-instance) object: an options bag or a record; TypeError otherwise. */
export function readObject(v: unknown, what: string, expected: string): Record<string, unknown> {
  // Built-ins (Array, Map, Date, ArrayBuffer, typed arrays...) are refused: their fields would all
  // read as undefined and the message would blame a field instead of the argument.
  if (v === null || typeof v !== 'object' || Object.prototype.toString.call(v) !== '[object Object]')
    throw new TypeError(`${what} must be ${expected}, got ${describeValue(v)}`);
  return v as Record<string, unknown>;
}

/** An optional options bag: undefined gives {}. */
export function readOptions(v: unknown, what: string, expected: string): Record<string, unknown> {
  return v === undefined ? {} : readObject(v, what, expected);
}

/** The elements of an Array, each read once (holes read as undefined). */
export function readArray(v: unknown, what: string, expected: string): unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`${what} must be ${expected}, got ${describeValue(v)}`);
  const length = v.length;
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) out[i] = v[i];
  return out;
}

/** One of `choices` (own-property free: compared with ===), or `fallback` when undefined. */
export function readChoice<T extends string>(v: unknown, choices: readonly T[], fallback: T | undefined, what: string): T {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v))
    throw new (typeof v === 'string' ? RangeError : TypeError)(
      `${what} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describeValue(v)}`,
    );
  return v as T;
}

/** undefined, true or false. */
export function readFlag(v: unknown, what: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be a boolean, got ${describeValue(v)}`);
  return v;
}

/**
 * A record of named entries (a tfjs NamedTensorMap): a plain object, not a Map, Array, typed
 * array or other built-in whose own keys are not its entries. Returns [name, value] pairs, each
 * value read once, in Object.keys order.
 */
export function readRecord(v: unknown, what: string, expected: string): Array<[string, unknown]> {
  const o = readObject(v, what, expected);
  return Object.keys(o).map((k) => [k, o[k]]);
}

/** Nesting deeper than this is rejected (a cycle, or not a tensor). */
export const MAX_TENSORLIKE_DEPTH = 32;

/**
 * A TensorLike (number, flat Float32Array/Int32Array, or nested Arrays of numbers whose innermost
 * level may be such a typed array) as float32 values and shape. Rectangular only: a ragged array
 * is a TypeError naming the path of the first mismatch (tfjs itself accepts some ragged arrays).
 * NaN/Infinity pass through; the selection reports them with the layer and index.
 */
export function readTensorLike(x: unknown, what: string): { values: Float32Array; shape: number[] } {
  if (typeof x === 'number') return { values: Float32Array.of(x), shape: [] };
  const tag = typedArrayTag(x);
  if (tag !== undefined) {
    const values = typedLeaf(x, tag, what);
    return { values, shape: [values.length] };
  }
  if (!Array.isArray(x)) throw new TypeError(`${what} must be a Tensor or TensorLike, got ${describeValue(x)}`);
  const shape: number[] = [];
  const flat: number[] = [];
  let leafDepth = -1;
  const walk = (a: unknown, depth: number, path: string): void => {
    const atag = typedArrayTag(a);
    if (!Array.isArray(a) && atag === undefined) {
      if (leafDepth === -1) leafDepth = depth;
      if (depth !== leafDepth) raggedError(path, a, depth < leafDepth ? 'a nested array' : 'a number');
      if (typeof a !== 'number') throw new TypeError(`${path} must be a number, got ${describeValue(a)}`);
      flat.push(a);
      return;
    }
    if (leafDepth !== -1 && depth >= leafDepth) raggedError(path, a, 'a number');
    if (depth >= MAX_TENSORLIKE_DEPTH)
      throw new RangeError(`${what} is nested deeper than ${MAX_TENSORLIKE_DEPTH} levels (a cycle?) at ${path}`);
    const items = atag !== undefined ? Array.from(typedLeaf(a, atag, path)) : readArray(a, path, 'an Array');
    if (shape.length === depth) shape.push(items.length);
    else if (shape[depth] !== items.length)
      throw new TypeError(
        `${path} has ${items.length} entries where its siblings have ${shape[depth]}; a TensorLike must be rectangular, got ${describeValue(a)}`,
      );
    if (items.length === 0 && leafDepth === -1) leafDepth = depth + 1; // an empty array ends the shape
    items.forEach((item, i) => walk(item, depth + 1, `${path}[${i}]`));
  };
  walk(x, 0, what);
  return { values: Float32Array.from(flat), shape };
}

function raggedError(path: string, v: unknown, expected: string): never {
  throw new TypeError(`${path} must be ${expected} (its siblings are), got ${describeValue(v)}; a TensorLike must be rectangular`);
}

function typedLeaf(x: unknown, tag: string, what: string): Float32Array {
  if (tag === 'Float32Array') return readTyped(x, Float32Array, what);
  if (tag === 'Int32Array') return Float32Array.from(readTyped(x, Int32Array, what));
  throw new TypeError(`${what} must be float32 or int32 data, got ${describeValue(x)}`);
}
