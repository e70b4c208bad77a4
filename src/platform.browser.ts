/** The browser's Platform (see platform.ts): no addon, no environment, zero-filled buffers. */
import type { Platform } from './platform';

export const platform: Platform = {
  loadNative: () => ({
    binding: null,
    path: null,
    errors: ['the browser build never loads the native addon'],
    origin: { kind: null, platform: 'browser', path: null, prebuilds: [] },
  }),
  env: () => undefined,
  uninitialised: (bytes) => new ArrayBuffer(bytes),
};
