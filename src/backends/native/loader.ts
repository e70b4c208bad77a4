/**
 * Finds and loads the addon. Never throws: a missing or broken binary is recorded, with every
 * path tried and why it failed, and the package falls back to another backend.
 *
 * Candidates, first that loads wins:
 *   1. DGP_NATIVE_PATH, when set                              ('custom')
 *   2. build/Release, build/Debug: `npm run build:native`     ('source'; a custom CUDA arch
 *      list or a platform without a prebuild, so it wins over the prebuild)
 *   3. prebuilds/<platform>/tfjs_dgp.node, shipped in the package by `npm pack` ('prebuilt')
 */
import * as fs from 'fs';
import * as path from 'path';

import type { NativeBinding } from './binding';

/** Where the loaded addon came from. */
export type AddonKind = 'prebuilt' | 'source' | 'custom';

export interface AddonOrigin {
  /** How the loaded file was made, or null when no addon loaded. */
  kind: AddonKind | null;
  /** This process's platform key, the prebuilds/ folder it looks in: linux-x64, linux-arm64, linux-x64-musl, darwin-arm64, … */
  platform: string;
  /** The file that loaded, or null. */
  path: string | null;
  /** The platforms this install ships prebuilt binaries for (folders under prebuilds/). */
  prebuilds: string[];
}

export interface LoadResult {
  binding: NativeBinding | null;
  /** The file that loaded. */
  path: string | null;
  /**
   * One line per candidate that failed (naming the file), or why loading was skipped. When a
   * candidate loads, earlier candidates that do not exist (build/ in an install of the prebuilt
   * package) are not listed: only files that exist and failed to load are.
   */
  errors: string[];
  origin: AddonOrigin;
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
  return path.resolve(__dirname, '..', '..', '..');
}

/**
 * 'musl' or 'glibc' on Linux. Reads ldd first (as detect-libc does): the process report that
 * knows for sure takes about 30 ms, too slow for every import.
 */
function linuxLibc(): 'glibc' | 'musl' {
  try {
    const ldd = fs.readFileSync('/usr/bin/ldd', 'latin1');
    if (ldd.includes('musl')) return 'musl';
    if (ldd.includes('GNU C Library') || ldd.includes('GLIBC')) return 'glibc';
  } catch {
    // no ldd (minimal containers): ask the process report
  }
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  // no report at all (other runtimes): assume the common case
  return !header || header.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The prebuilds/ folder name for this process: `${platform}-${arch}`, plus `-musl` on musl Linux. */
export function platformKey(): string {
  const key = `${process.platform}-${process.arch}`;
  return process.platform === 'linux' && linuxLibc() === 'musl' ? `${key}-musl` : key;
}

function shippedPrebuilds(root: string): string[] {
  try {
    return fs
      .readdirSync(path.join(root, 'prebuilds'))
      .filter((d) => fs.existsSync(path.join(root, 'prebuilds', d, 'tfjs_dgp.node')))
      .sort();
  } catch {
    return [];
  }
}

function candidates(root: string, platform: string, env: NodeJS.ProcessEnv): { file: string; kind: AddonKind }[] {
  const list: { file: string; kind: AddonKind }[] = [];
  if (env.DGP_NATIVE_PATH) list.push({ file: path.resolve(env.DGP_NATIVE_PATH), kind: 'custom' });
  list.push(
    { file: path.join(root, 'build', 'Release', 'tfjs_dgp.node'), kind: 'source' },
    { file: path.join(root, 'build', 'Debug', 'tfjs_dgp.node'), kind: 'source' },
    { file: path.join(root, 'prebuilds', platform, 'tfjs_dgp.node'), kind: 'prebuilt' },
  );
  return list;
}

/** The advice that ends the errors when nothing loaded. */
function possibleFix(platform: string, prebuilds: string[]): string {
  const shipped = prebuilds.length ? prebuilds.join(', ') : 'none in this install';
  const head = prebuilds.includes(platform)
    ? `the prebuilt binary for ${platform} did not load (see above)`
    : `no prebuilt binary for ${platform} (prebuilt: ${shipped})`;
  return (
    `${head}; possible fix: build from source with \`npm run build:native\` in the tfjs-dgp package ` +
    'folder (needs cmake >= 3.18, a C++17 compiler, and cmake-js + node-addon-api from npm)'
  );
}

export function loadNative(root: string = packageRoot(), env: NodeJS.ProcessEnv = process.env): LoadResult {
  const platform = platformKey();
  const prebuilds = shippedPrebuilds(root);
  const none = (errors: string[]): LoadResult => ({
    binding: null,
    path: null,
    errors,
    origin: { kind: null, platform, path: null, prebuilds },
  });
  if (env.DGP_BACKEND === 'ts') return none(['not loaded: DGP_BACKEND=ts']);
  const errors: string[] = [];
  const failed: string[] = []; // errors, less the candidates that are not there
  const fail = (line: string): void => {
    failed.push(line);
    errors.push(line);
  };
  for (const { file, kind } of candidates(root, platform, env)) {
    const label = `${file} (${kind === 'prebuilt' ? `prebuilt for ${platform}` : kind === 'source' ? 'built from source' : 'DGP_NATIVE_PATH'})`;
    if (!fs.existsSync(file)) {
      errors.push(`${label}: not found`);
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const binding = require(file) as NativeBinding;
      if (typeof binding.selectLayers !== 'function' || typeof binding.info !== 'function') {
        fail(`${label}: loaded but is not a tfjs-dgp addon (no selectLayers)`);
        continue;
      }
      return { binding, path: file, errors: failed, origin: { kind, platform, path: file, prebuilds } };
    } catch (e) {
      fail(`${label}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  errors.push(possibleFix(platform, prebuilds));
  return none(errors);
}
