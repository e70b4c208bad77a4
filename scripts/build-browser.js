// Builds dist/browser/index.mjs, the package's `browser` export: src/index.ts bundled as one ES
// module with src/platform.ts swapped for src/platform.browser.ts (and src/backends/native/host.ts for
// host.browser.ts), so the graph has no Node
// built-ins and never loads the addon. tfjs stays external (the app brings one copy of it).
// Fails if a Node built-in or a Node global (process, __dirname, Buffer, require) gets in.
'use strict';
const path = require('path');

// esbuild is a devDependency: a checkout whose node_modules predates it (or links to another
// checkout's) skips the browser bundle with a warning; CI (DGP_REQUIRE_NATIVE=1, npm ci) never does.
let esbuild;
try {
  esbuild = require('esbuild');
} catch (e) {
  if (process.env.DGP_REQUIRE_NATIVE === '1') throw e;
  console.warn('build-browser: esbuild is not installed (npm install); dist/browser/index.mjs not built');
  process.exit(0);
}

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist', 'browser', 'index.mjs');

const browserPlatform = {
  name: 'browser-platform',
  setup(build) {
    // src/platform.ts and src/backends/native/host.ts: the host-facing files, each with a browser twin
    // (imported as './platform' from src/ or '../platform' from a subfolder such as src/privacy)
    build.onResolve({ filter: /^(\.\.?\/)+(platform|backends\/native\/host)$/ }, (args) => ({
      path: path.join(args.resolveDir, `${args.path}.browser.ts`),
    }));
  },
};


esbuild
  .build({
    entryPoints: [path.join(root, 'src', 'index.ts')],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    external: ['@tensorflow/*'],
    plugins: [browserPlatform],
    metafile: true,
    logLevel: 'warning',
  })
  .then((r) => {
    const inputs = Object.keys(r.metafile.inputs);
    const leaked = inputs.filter((f) => /backends[\\/]native[\\/](loader|host)\.ts$|platform\.ts$/.test(f));
    const text = require('fs').readFileSync(out, 'utf8');
    const globals = ['process', '__dirname', 'Buffer', 'require'].filter((g) => new RegExp(`(?<![.\\w$])${g}\\b(?!\\s*\\([^)]*\\)\\s*\\{)\\s*[.(]`).test(text));
    if (leaked.length || globals.length) {
      console.error(`dist/browser/index.mjs pulls in Node-only code: ${[...leaked, ...globals].join(', ')}`);
      process.exit(1);
    }
  })
  .catch(() => process.exit(1));
