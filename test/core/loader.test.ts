/** The addon loader (src/backends/native/loader.ts): candidate order, prebuilt vs source, errors naming every candidate. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { backendInfo } from '../../src';
import { loadNative, platformKey } from '../../src/backends/native/loader';

const repo = path.join(__dirname, '..', '..');
const platform = platformKey();
/** A real addon to copy around: the source build, else this platform's prebuild. */
const addon = [path.join(repo, 'build', 'Release', 'tfjs_dgp.node'), path.join(repo, 'prebuilds', platform, 'tfjs_dgp.node')].find((f) =>
  fs.existsSync(f),
);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgp-loader-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"tfjs-dgp"}');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function place(rel: string, from: string | Buffer): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (typeof from === 'string') fs.copyFileSync(from, file);
  else fs.writeFileSync(file, from);
  return file;
}

test('the platform key is platform-arch (plus -musl on musl Linux)', () => {
  expect(platform).toMatch(new RegExp(`^${process.platform}-${process.arch}(-musl)?$`));
});

test('nothing to load: every candidate is named, then the fix for this platform', () => {
  const r = loadNative(dir, {});
  expect(r.binding).toBeNull();
  expect(r.origin).toEqual({ kind: null, platform, path: null, prebuilds: [] });
  expect(r.errors).toEqual([
    `${path.join(dir, 'build', 'Release', 'tfjs_dgp.node')} (built from source): not found`,
    `${path.join(dir, 'build', 'Debug', 'tfjs_dgp.node')} (built from source): not found`,
    `${path.join(dir, 'prebuilds', platform, 'tfjs_dgp.node')} (prebuilt for ${platform}): not found`,
    `no prebuilt binary for ${platform} (prebuilt: none in this install); possible fix: build from source with ` +
      '`npm run build:native` in the tfjs-dgp package folder (needs cmake >= 3.18, a C++17 compiler, and cmake-js + node-addon-api from npm)',
  ]);
});

test('a prebuild for another platform only: says which platforms are prebuilt', () => {
  place('prebuilds/sunos-mips/tfjs_dgp.node', Buffer.from('x'));
  const r = loadNative(dir, {});
  expect(r.origin.prebuilds).toEqual(['sunos-mips']);
  expect(r.errors[r.errors.length - 1]).toMatch(new RegExp(`^no prebuilt binary for ${platform} \\(prebuilt: sunos-mips\\); possible fix`));
});

test('a broken file is named with the reason, and the search goes on', () => {
  const broken = place('build/Release/tfjs_dgp.node', Buffer.from('not an ELF file'));
  place(`prebuilds/${platform}/tfjs_dgp.node`, Buffer.from('also broken'));
  const r = loadNative(dir, {});
  expect(r.binding).toBeNull();
  expect(r.errors[0]).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(built from source\\): (?!not found).+`));
  expect(r.errors[2]).toMatch(new RegExp(`\\(prebuilt for ${platform}\\): (?!not found).+`));
  expect(r.errors[3]).toMatch(new RegExp(`^the prebuilt binary for ${platform} did not load \\(see above\\); possible fix`));
});

(addon ? test : test.skip)('a prebuilt binary loads and is reported as prebuilt for this platform', () => {
  const file = place(`prebuilds/${platform}/tfjs_dgp.node`, addon!);
  const r = loadNative(dir, {});
  expect(typeof r.binding?.selectLayers).toBe('function');
  expect(r.origin).toEqual({ kind: 'prebuilt', platform, path: file, prebuilds: [platform] });
  // build/Release and build/Debug were looked for first; their absence is no error once the prebuild loaded
  expect(r.errors).toEqual([]);
});

(addon ? test : test.skip)('a prebuild that loads after a broken source build: only the broken file is an error', () => {
  const broken = place('build/Release/tfjs_dgp.node', Buffer.from('not an ELF file'));
  place(`prebuilds/${platform}/tfjs_dgp.node`, addon!);
  const r = loadNative(dir, {});
  expect(r.origin.kind).toBe('prebuilt');
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(built from source\\): (?!not found).+`));
});

(addon ? test : test.skip)('a source build wins over the prebuild; DGP_NATIVE_PATH wins over both', () => {
  place(`prebuilds/${platform}/tfjs_dgp.node`, addon!);
  const source = place('build/Release/tfjs_dgp.node', addon!);
  expect(loadNative(dir, {}).origin).toMatchObject({ kind: 'source', path: source });
  const custom = place('elsewhere/mine.node', addon!);
  const r = loadNative(dir, { DGP_NATIVE_PATH: custom });
  expect(r.origin).toMatchObject({ kind: 'custom', path: custom });
  expect(r.errors).toEqual([]);
});

test('DGP_BACKEND=ts loads nothing and says so', () => {
  expect(loadNative(dir, { DGP_BACKEND: 'ts' }).errors).toEqual(['not loaded: DGP_BACKEND=ts']);
});

test('backendInfo().addon says which binary the package loaded', () => {
  const info = backendInfo();
  expect(info.addon.platform).toBe(platform);
  if (info.available.native) {
    expect(['source', 'prebuilt', 'custom']).toContain(info.addon.kind);
    expect(info.addon.path).toBe(info.native!.path);
  } else {
    expect(info.addon).toMatchObject({ kind: null, path: null });
  }
});
