/** The browser's Platform (see platform.ts): no environment, zero-filled buffers. */
import { DgpError } from './errors';
import type { Platform } from './platform';

export const platform: Platform = {
  env: () => undefined,
  uninitialised: (bytes) => new ArrayBuffer(bytes),
  secureRandom: (out) => {
    const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => unknown } }).crypto;
    if (!c || typeof c.getRandomValues !== 'function')
      throw new DgpError('secure randomness: this platform has no crypto.getRandomValues (Web Crypto); refusing to fall back to Math.random');
    for (let at = 0; at < out.length; at += 65536) c.getRandomValues(out.subarray(at, Math.min(out.length, at + 65536)));
  },
};
