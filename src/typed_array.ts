/**
 * The %TypedArray%.prototype getters, captured at load. They read a typed array's internal slots:
 * own properties cannot override them, a Proxy does not pass them, and they work across realms.
 */
const TYPED_PROTO = Object.getPrototypeOf(Uint8Array.prototype) as object;

function intrinsicGetter(key: PropertyKey): (this: unknown) => unknown {
  return Object.getOwnPropertyDescriptor(TYPED_PROTO, key)!.get! as (this: unknown) => unknown;
}

const TAG = intrinsicGetter(Symbol.toStringTag);
const LENGTH = intrinsicGetter('length');
const BYTE_OFFSET = intrinsicGetter('byteOffset');
const BUFFER = intrinsicGetter('buffer');

/** The real element type of a typed array ('Float32Array', ...), or undefined for anything else. */
export function typedArrayTag(v: unknown): string | undefined {
  return TAG.call(v) as string | undefined;
}

/** The real element count, byte offset and buffer of a typed array (own properties ignored). */
export function typedArrayParts(v: unknown): { buffer: ArrayBufferLike; byteOffset: number; length: number } {
  return { buffer: BUFFER.call(v) as ArrayBufferLike, byteOffset: BYTE_OFFSET.call(v) as number, length: LENGTH.call(v) as number };
}

/** The real element count of a typed array (0 once its buffer is detached). */
export function typedArrayLength(v: unknown): number {
  return LENGTH.call(v) as number;
}

/** The real buffer of a typed array (own properties ignored). */
export function typedArrayBuffer(v: unknown): ArrayBufferLike {
  return BUFFER.call(v) as ArrayBufferLike;
}
