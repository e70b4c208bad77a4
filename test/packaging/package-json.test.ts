/**
 * The published package compiles nothing at install (issue #12): a fast guard on package.json;
 * .ci/steps/31-packed-tarball.sh checks the packed tarball itself.
 */
import * as fs from 'fs';
import * as path from 'path';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

test('no install-time script, and no implicit node-gyp build', () => {
  for (const hook of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts[hook]).toBeUndefined();
  expect(pkg.gypfile).toBe(false);
  expect(pkg.files).not.toContain('binding.gyp');
});

test('the build tools are dev dependencies only', () => {
  for (const tool of ['cmake-js', 'node-addon-api']) {
    expect(pkg.dependencies?.[tool]).toBeUndefined();
    expect(pkg.devDependencies[tool]).toBeDefined();
  }
});

test('packing builds the prebuilds and dist/, and ships them with what a source build needs', () => {
  expect(pkg.scripts.prepack).toMatch(/scripts\/prebuild\.js/);
  expect(pkg.scripts.prepack).toMatch(/build:ts/);
  for (const f of ['dist', 'prebuilds', 'native', 'CMakeLists.txt', 'scripts/build-native.js']) expect(pkg.files).toContain(f);
  // a clone still builds the addon from source on npm install / npm ci
  expect(pkg.scripts.prepare).toMatch(/scripts\/build-native\.js --prepare/);
});
