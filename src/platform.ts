/**
 * What the package needs from its host, Node's version. The browser build (src/index.ts bundled
 * by scripts/build-browser.js into dist/browser/index.mjs) swaps this file for
 * platform.browser.ts, so the browser graph has no Node built-ins, no `process`, `__dirname` or
 * `Buffer`. (The addon's loading is the native backend's: src/backends/native/host.ts, swapped
 * the same way.)
 */
import { randomFillSync } from 'crypto';

export interface Platform {
  /** An environment variable (DGP_BACKEND, DGP_CUDA_MIN_ELEMENTS), or undefined. */
  env(name: string): string | undefined;
  /**
   * A fresh ArrayBuffer of `bytes` bytes whose contents need not be zero: every backend writes
   * every output element, so Node skips the zero fill (a tenth of a nanosecond per element).
   */
  uninitialised(bytes: number): ArrayBuffer;
  /**
   * Fills `out` from the platform's cryptographically secure source (Node: crypto.randomFillSync;
   * browsers: crypto.getRandomValues). Throws when there is none; never falls back to Math.random.
   */
  secureRandom(out: Uint8Array): void;
}

export const platform: Platform = {
  env: (name) => process.env[name],
  secureRandom: (out) => {
    randomFillSync(out);
  },
  uninitialised: (bytes) => Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer, // own buffer, offset 0
};
