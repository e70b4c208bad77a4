import { typedArrayParts, typedArrayTag } from './typed_array';

/**
 * The package's own error class. Bad arguments are TypeError / RangeError (as tfjs and Node do);
 * DgpError is for everything else the package reports: an unavailable backend, a native failure,
 * and (through subclasses) malformed wire messages.
 */
export class DgpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Longest string shown in full in a message; longer ones are cut (with their length). */
const MAX_SHOWN = 60;

/**
 * Short, unambiguous rendering of a received value for error messages. Never throws and never
 * trusts the value: typed arrays are named by their internal type, not their constructor.
 */
export function describeValue(v: unknown): string {
  try {
    if (v === null) return 'null';
    if (v === undefined) return 'undefined';
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'string')
      return v.length <= MAX_SHOWN ? JSON.stringify(v) : `${JSON.stringify(v.slice(0, MAX_SHOWN))}… (${v.length} chars)`;
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'symbol') return v.toString();
    if (typeof v === 'function') return 'a function';
    const tag = typedArrayTag(v);
    if (tag !== undefined) return `${tag}(${typedArrayParts(v).length})`;
    if (ArrayBuffer.isView(v)) return 'a DataView';
    if (Array.isArray(v)) return `Array(${v.length})`;
    const ctor = (v as object).constructor;
    return ctor && ctor.name && ctor.name !== 'Object' ? `a ${ctor.name}` : 'an object';
  } catch {
    return 'an object whose properties throw';
  }
}

/**
 * Secure aggregation (SPEC §12; docs/SECAGG.md): a malformed, truncated, corrupted, replayed,
 * out-of-stage or wrong-round message, a request an honest party refuses, or a round that cannot
 * complete (fewer than `threshold` survivors). The message names what and the value, never a
 * secret. A message that raises it changed no state.
 */
export class SecAggError extends DgpError {
  constructor(message: string) {
    super(message);
  }
}
