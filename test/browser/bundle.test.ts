/**
 * SPEC §9 / issue 11 part 3: an app that imports 'tfjs-dgp' bundles for the browser with
 * esbuild's default settings, through the package's `browser` export, and the bundle holds no
 * Node built-in, no Node global and no addon loader.
 */
import type * as Esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

// esbuild is a devDependency; a node_modules that predates it skips these tests (CI never does).
let esbuild: typeof Esbuild | null = null;
try {
  esbuild = require('esbuild');
} catch (e) {
  if (process.env.DGP_REQUIRE_NATIVE === '1') throw e;
}
const testBundle = esbuild ? test : test.skip;

/** A throwaway app folder whose node_modules links to this package and to tfjs. */
function makeApp(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgp-app-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'tfjs-dgp'), 'dir');
  fs.symlinkSync(path.join(root, 'node_modules', '@tensorflow'), path.join(dir, 'node_modules', '@tensorflow'), 'dir');
  fs.writeFileSync(path.join(dir, 'app.js'), source);
  return dir;
}

testBundle('esbuild --bundle --platform=browser of an app importing tfjs-dgp succeeds with default settings', async () => {
  const dir = makeApp(
    [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import '@tensorflow/tfjs-backend-cpu';",
      "import { backendInfo, dgpPruneGradients, ErrorFeedback, encodeUpdate } from 'tfjs-dgp';",
      'const g = { w: tf.tensor([0.5, -2, 0, 1, 3, -0.25], [2, 3]) };',
      'const pruned = dgpPruneGradients(g, { kTop: 1, kBottom: 2 });',
      'const bytes = encodeUpdate(new ErrorFeedback({ kTop: 1, kBottom: 2 }).step(g));',
      'console.log(backendInfo().backend, pruned, bytes.length);',
    ].join('\n'),
  );
  try {
    const r = await esbuild!.build({
      entryPoints: [path.join(dir, 'app.js')],
      bundle: true,
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(r.errors).toEqual([]);
    const inputs = Object.keys(r.metafile!.inputs).map((f) => f.replace(/\\/g, '/'));
    // The browser export was chosen, and nothing of the Node entry came with it.
    expect(inputs.some((f) => f.endsWith('tfjs-dgp/dist/browser/index.mjs') || f.endsWith('dist/browser/index.mjs'))).toBe(true);
    expect(inputs.filter((f) => !f.includes('@tensorflow/') && /dist\/(index\.m?js|backends\/native\/)/.test(f))).toEqual([]);
    const bundle = r.outputFiles[0].text;
    expect(bundle).not.toMatch(/tfjs_dgp\.node/);
    expect(bundle).toMatch(/WASM_BASE64|AGFzbQ/); // the module travels inside the bundle ("\0asm" in base64)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

testBundle('the browser entry never touches process, __dirname, Buffer or require', () => {
  const text = fs.readFileSync(path.join(root, 'dist', 'browser', 'index.mjs'), 'utf8');
  // a property or method of that name (noble-hashes' `this.process(view, 0)`, `process(view, offset) {`) is not the global
  for (const name of ['process', '__dirname', 'Buffer', 'require'])
    expect({ name, found: new RegExp(`(?<![.\\w$])${name}\\b(?!\\s*\\([^)]*\\)\\s*\\{)`).test(text) }).toEqual({ name, found: false });
  expect(text).not.toMatch(/from ["'](fs|path|os|child_process|worker_threads|node:[a-z_]+)["']/);
});
