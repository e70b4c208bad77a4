/** The browser's Platform (see platform.ts): no environment, zero-filled buffers. */
import type { Platform } from './platform';

export const platform: Platform = {
  env: () => undefined,
  uninitialised: (bytes) => new ArrayBuffer(bytes),
};
