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

/** Short, unambiguous rendering of a received value for error messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    return 'length' in v ? `${name}(${(v as unknown as { length: number }).length})` : name;
  }
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (typeof v === 'object') {
    const ctor = (v as object).constructor;
    return ctor && ctor.name && ctor.name !== 'Object' ? `a ${ctor.name}` : 'an object';
  }
  return typeof v;
}
