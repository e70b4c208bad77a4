/** The browser's host for the native backend (see host.ts): no addon, ever. */
import type { LoadResult } from './loader';

export function loadAddon(): LoadResult {
  return {
    binding: null,
    path: null,
    errors: ['the browser build never loads the native addon'],
    origin: { kind: null, platform: 'browser', path: null, prebuilds: [] },
  };
}
