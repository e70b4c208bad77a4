/**
 * The misuse harness (issue 14): runs one call on every available backend and checks what a
 * caller may rely on after an error (docs/ERRORS.md): the error class, a message naming the
 * argument and the value, inputs unchanged (bytes and structure), no tensor leaked, error-feedback
 * memory and round count unchanged, backend state unchanged; and that every backend gave the same
 * outcome (same error and message, or the same result bits).
 */
import * as tf from '@tensorflow/tfjs-core';

import { backendInfo, BackendName, ErrorFeedback, getBackend, setBackend } from '../../src';
import { typedArrayParts, typedArrayTag } from '../../src/typed_array';

/** Every backend that is available here (wasm and cuda join automatically when they load). */
export const BACKENDS: BackendName[] = (Object.keys(backendInfo().available) as BackendName[]).filter(
  (n) => backendInfo().available[n],
);

export type ErrorName = 'TypeError' | 'RangeError' | 'DgpError' | 'DgpFormatError';

/**
 * A call built fresh for each backend: `run` makes the call, `watch` is what must not change (a
 * function is called for it: the observable state of an object).
 */
export interface Prepared {
  run: () => unknown;
  watch?: unknown;
}

const watched = (p: Prepared): string => digest(typeof p.watch === 'function' ? (p.watch as () => unknown)() : p.watch);

export interface Outcome {
  error: string | null;
  message: string;
  /** Digest of the result (success only). */
  result: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * A deterministic rendering of a value's whole reachable state: typed array bytes, tensors'
 * dtype/shape/data, Arrays (holes included), objects' own keys (getters are not called), error
 * feedback memory and round count.
 */
export function digest(v: unknown, seen = new Set<unknown>()): string {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) {
    if (typeof v === 'number') return Object.is(v, -0) ? 'num(-0)' : `num(${v})`;
    if (typeof v === 'string') return `str(${JSON.stringify(v)})`;
    return `${typeof v}(${String(v)})`;
  }
  if (typeof v === 'function') return 'function';
  if (seen.has(v)) return 'cycle';
  seen.add(v);
  const tag = typedArrayTag(v);
  if (tag !== undefined) {
    const { buffer, byteOffset, length } = typedArrayParts(v);
    const bytes = length * (v as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    let data = 'detached';
    try {
      data = hex(new Uint8Array(buffer, byteOffset, bytes));
    } catch {
      // detached
    }
    return `${tag}@${byteOffset}[${data}]`;
  }
  if (v instanceof ArrayBuffer) return `ArrayBuffer[${hex(new Uint8Array(v))}]`;
  if (v instanceof tf.Tensor)
    return v.isDisposed ? 'Tensor(disposed)' : `Tensor(${v.dtype},[${v.shape}],${digest(v.dataSync(), seen)})`;
  if (v instanceof ErrorFeedback) {
    let mem = 'disposed';
    try {
      mem = digest(v.memory(), seen);
    } catch {
      // disposed
    }
    return `ErrorFeedback(${v.mode},${v.completedRounds},${mem})`;
  }
  if (v instanceof Map) return `Map{${[...v].map(([k, x]) => `${digest(k, seen)}=>${digest(x, seen)}`).join(',')}}`;
  if (Array.isArray(v)) {
    const items: string[] = [];
    for (let i = 0; i < v.length; i++) items.push(i in v ? digest(v[i], seen) : 'hole');
    return `[${items.join(',')}]`;
  }
  const proto = Object.getPrototypeOf(v);
  const keys = Reflect.ownKeys(v as object).map((k) => {
    const d = Object.getOwnPropertyDescriptor(v, k)!;
    return `${String(k)}:${'value' in d ? digest(d.value, seen) : 'accessor'}`;
  });
  return `${proto === null ? 'null-proto' : proto === Object.prototype ? '' : 'proto'}{${keys.join(',')}}`;
}

function backendState(): string {
  const info = backendInfo();
  return JSON.stringify({ backend: getBackend(), forced: info.forced, envError: info.envError, threads: info.threads });
}

function disposeAll(v: unknown, seen = new Set<unknown>()): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (v instanceof tf.Tensor) v.dispose();
  else if (typedArrayTag(v) === undefined) for (const k of Object.keys(v)) disposeAll((v as Record<string, unknown>)[k], seen);
}

/**
 * Runs `prepare()` then its call on one backend; asserts nothing changed when it threw. Returns
 * the outcome (results' tensors are digested and disposed).
 */
export function observe(backend: BackendName, prepare: () => Prepared): Outcome {
  setBackend(backend);
  try {
    const p = prepare();
    const before = watched(p);
    const tensors = tf.memory().numTensors;
    const state = backendState();
    let outcome: Outcome;
    try {
      const r = p.run();
      outcome = { error: null, message: '', result: digest(r) };
      disposeAll(r);
      expect(tf.memory().numTensors).toBe(tensors); // only the returned tensors were made
    } catch (e) {
      const err = e as Error;
      outcome = { error: err?.name ?? typeof e, message: String(err?.message), result: '' };
      expect(watched(p)).toBe(before); // inputs, memory, round count: unchanged
      expect(tf.memory().numTensors).toBe(tensors); // no tensor leaked
      expect(backendState()).toBe(state);
    }
    return outcome;
  } finally {
    setBackend('auto');
  }
}

/** What a user-facing message must never contain: kernel names, runtime errors, tfjs internals. */
export const INTERNAL = /\bwire[A-Z]\w*|selectLayers \(|Cannot read propert|is not iterable|is not a function|Based on the provided shape|Invalid typed array length|undefined is not/;

export interface Expectation {
  /** The error class, or null when the call must succeed. */
  error: ErrorName | ErrorName[] | null;
  /** Substrings the message must contain (the argument and the value). */
  mentions?: string[];
}

/** Runs on every backend, checks each outcome and that all backends agree; returns the outcome. */
export function expectMisuse(prepare: () => Prepared, want: Expectation): Outcome {
  const outcomes = BACKENDS.map((b) => [b, observe(b, prepare)] as const);
  const [, first] = outcomes[0];
  for (const [b, o] of outcomes) {
    const label = `${b}: ${o.error}: ${o.message}`;
    if (want.error === null) expect(label).toBe(`${b}: null: `);
    else {
      const names = Array.isArray(want.error) ? want.error : [want.error];
      if (!names.includes(o.error as ErrorName)) throw new Error(`expected ${names.join('|')}, got ${label}`);
      for (const m of want.mentions ?? [])
        if (!o.message.includes(m)) throw new Error(`message does not mention ${JSON.stringify(m)}: ${label}`);
      if (INTERNAL.test(o.message)) throw new Error(`message leaks an internal name or a runtime error: ${label}`);
    }
    // Backends agree: same error class and message, or the same result bits.
    expect(o).toEqual(first);
  }
  return first;
}
