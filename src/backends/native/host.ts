/**
 * Where the native backend meets its host, Node's version: finding and loading the addon. The
 * browser build (scripts/build-browser.js) swaps this file for host.browser.ts, as it swaps
 * src/platform.ts, so the browser graph never holds the loader (fs, path) and never loads the addon.
 */
import { loadNative, LoadResult } from './loader';

/** Finds and loads the addon (never throws). */
export function loadAddon(): LoadResult {
  return loadNative();
}
