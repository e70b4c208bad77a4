/**
 * Finds and loads the addon. Never throws: a missing or broken binary is recorded, with every
 * path tried and why it failed, and the package falls back to the TypeScript backend.
 */
import * as fs from 'fs';
import * as path from 'path';

import type { NativeBinding } from './binding';

export interface LoadResult {
  binding: NativeBinding | null;
  /** The file that loaded. */
  path: string | null;
  /** One line per candidate that failed, or why loading was skipped. */
  errors: string[];
}

/** The package root: the nearest folder above this file holding tfjs-dgp's package.json. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pkg = path.join(dir, 'package.json');
    try {
      if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'tfjs-dgp') return dir;
    } catch {
      // not here; keep walking up
    }
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..');
}

function candidates(root: string): string[] {
  const list: string[] = [];
  if (process.env.DGP_NATIVE_PATH) list.push(path.resolve(process.env.DGP_NATIVE_PATH));
  list.push(
    path.join(root, 'build', 'Release', 'tfjs_dgp.node'),
    path.join(root, 'build', 'Debug', 'tfjs_dgp.node'),
    path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'tfjs_dgp.node'),
  );
  return list;
}

export function loadNative(): LoadResult {
  const errors: string[] = [];
  if (process.env.DGP_BACKEND === 'ts') {
    return { binding: null, path: null, errors: ['not loaded: DGP_BACKEND=ts'] };
  }
  for (const file of candidates(packageRoot())) {
    if (!fs.existsSync(file)) {
      errors.push(`${file}: not found`);
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const binding = require(file) as NativeBinding;
      if (typeof binding.selectLayers !== 'function' || typeof binding.info !== 'function') {
        errors.push(`${file}: loaded but is not a tfjs-dgp addon (no selectLayers)`);
        continue;
      }
      return { binding, path: file, errors };
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  errors.push('possible fix: run `npm run build:native` in the package folder (needs cmake and a C++17 compiler)');
  return { binding: null, path: null, errors };
}
