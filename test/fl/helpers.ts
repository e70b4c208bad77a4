/** Shared test helpers: deterministic random gradients and running a body on each backend. */
import { backendInfo, setBackend } from '../../src/backend';
import * as tsWire from '../../src/backends/ts/wire';
import { rng, sameBits } from '../helpers/reference';

/** The shared PRNG and bit-exact float comparison (+0/-0 differ). */
export { rng, sameBits };

/** Backends available here: 'ts' and 'wasm' ship inside the package; 'native' when the addon loaded with every kernel. */
export const BACKENDS: Array<'ts' | 'wasm' | 'native'> = backendInfo().available.native ? ['ts', 'wasm', 'native'] : ['ts', 'wasm'];

export function onBackend<T>(name: 'ts' | 'wasm' | 'native', body: () => T): T {
  setBackend(name);
  try {
    return body();
  } finally {
    setBackend('auto');
  }
}

/** Magnitudes spread over 3 decades (log-uniform), random signs, some exact ties and zeros. */
export function gradient(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < 0.02) g[i] = 0;
    else if (u < 0.04) g[i] = 0.001 * scale;
    else g[i] = (u < 0.52 ? -scale : scale) * Math.exp(7 * r() - 7);
  }
  return g;
}


export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Ascending random subset of [0, n) with about density·n entries. */
export function subset(n: number, density: number, seed: number): Uint32Array {
  const r = rng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (r() < density) out.push(i);
  return Uint32Array.from(out);
}

/**
 * Expects fn to throw an error of the named class. By name, not instanceof: errors thrown by the
 * addon come from Node's realm, not jest's sandbox.
 */
export function expectThrowName(fn: () => unknown, name: string, message?: RegExp): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).not.toBeNull();
  expect((caught as Error).name).toBe(name);
  if (message) expect((caught as Error).message).toMatch(message);
}

/** A copy of a message with its totalLength and CRC rewritten, so a test reaches the checks past the CRC. */
export function reseal(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  const v = new DataView(b.buffer);
  v.setUint32(8, b.length, true);
  v.setUint32(b.length - 4, tsWire.crc32(b, 0, b.length - 4), true);
  return b;
}
