// Run by 31-packed-tarball.sh inside a fresh project that installed the packed tarball with
// install scripts blocked:  node packed-tarball-check.js files | prebuilt|fallback <platform>
//   files:    the installed package holds no C++ tests, benchmarks or fuzzers (native/tests,
//             native/bench, native/fuzz, native/cuda/bench), and every relative link of the
//             shipped README, and of the shipped Markdown it links to, resolves to a shipped file;
//   prebuilt: the package's prebuilt addon for <platform> loaded (and backendInfo() reports no
//             load error for the build/ candidates it did not need), and gives the TypeScript
//             backend's bits;
//   secagg:   a secure-aggregation round with distributed noise works from the installed package
//             (its runtime dependencies came from the registry);
//   fallback: with that prebuild deleted, the import still works on the packed wasm module and
//             backendInfo() says why native is unavailable, naming every file tried.
'use strict';
const assert = require('assert');

const [mode, platform] = process.argv.slice(2);
if (mode === 'files') {
  const fs = require('fs');
  const path = require('path');
  const pkg = path.dirname(require.resolve('tfjs-dgp/package.json'));
  for (const dir of ['native/tests', 'native/bench', 'native/fuzz', 'native/cuda/bench'])
    assert.ok(!fs.existsSync(path.join(pkg, dir)), `${dir} is in the tarball (test/bench/fuzz sources are not for users)`);
  // Markdown links [text](target) and images ![alt](target), followed from README.md through the
  // shipped Markdown files they reach; web links and in-page anchors are not files.
  const seen = new Set();
  const broken = [];
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      const resolved = path.resolve(path.dirname(file), decodeURI(target.split('#')[0]));
      const where = `${path.relative(pkg, file)} -> ${target}`;
      if (path.relative(pkg, resolved).startsWith('..') || !fs.existsSync(resolved)) broken.push(where);
      else if (resolved.endsWith('.md')) visit(resolved);
    }
  };
  visit(path.join(pkg, 'README.md'));
  assert.deepStrictEqual(broken, [], `relative links to files the tarball lacks: ${broken.join(', ')}`);
  console.log(`ok: no native tests/bench/fuzz sources; the links of ${seen.size} shipped Markdown files resolve`);
  process.exit(0);
}
const dgp = require('tfjs-dgp');
const info = dgp.backendInfo();
console.log(JSON.stringify({ backend: dgp.getBackend(), addon: info.addon, simd: info.native.simd, unavailable: info.unavailable }, null, 2));

if (mode === 'prebuilt') {
  assert.strictEqual(info.addon.kind, 'prebuilt');
  // build/Release and build/Debug were looked for first; their absence is no error once the prebuild loaded
  assert.deepStrictEqual(info.native.loadErrors, []);
  assert.strictEqual(info.addon.platform, platform);
  assert.ok(info.addon.path.endsWith(`node_modules/tfjs-dgp/prebuilds/${platform}/tfjs_dgp.node`), info.addon.path);
  assert.strictEqual(dgp.getBackend(), info.cuda && info.cuda.devices > 0 ? 'cuda' : 'native');
  // One layer with ties and both signs: the prebuilt kernels give the TypeScript backend's codes.
  const g = new Float32Array(200003);
  for (let i = 0; i < g.length; i++) g[i] = (((i * 2654435761) >>> 0) % 4099) / 97 - 21;
  dgp.setBackend('native');
  const native = dgp.dualTopBottomK(g, 2003, 150001);
  dgp.setBackend('ts');
  const ts = dgp.dualTopBottomK(g, 2003, 150001);
  assert.ok(Buffer.from(native).equals(Buffer.from(ts)), 'native and ts codes differ');
  console.log(`ok: prebuilt ${platform} addon loaded, codes equal to the TypeScript backend's`);
} else if (mode === 'fallback') {
  assert.strictEqual(info.available.native, false);
  assert.strictEqual(info.addon.kind, null);
  // the wasm module travels inside dist/, so it is the fallback
  assert.strictEqual(info.available.wasm, true, `wasm unavailable: ${info.unavailable.wasm}`);
  assert.strictEqual(dgp.getBackend(), 'wasm');
  const why = info.unavailable.native;
  for (const file of ['build/Release/tfjs_dgp.node', 'build/Debug/tfjs_dgp.node', `prebuilds/${platform}/tfjs_dgp.node`]) {
    assert.ok(why.includes(`node_modules/tfjs-dgp/${file}`), `the reason does not name ${file}: ${why}`);
  }
  assert.match(why, new RegExp(`no prebuilt binary for ${platform} \\(prebuilt: linux-arm64\\)`));
  assert.match(why, /npm run build:native/);
  assert.deepStrictEqual(Array.from(dgp.dualTopBottomK(new Float32Array([0.5, -2, 0, 1]), 1, 2)), [0, 2, 0, 1]);
  console.log(`ok: without the prebuild the package runs on '${dgp.getBackend()}' and says why`);
} else if (mode === 'secagg') {
  // Secure aggregation as a user runs it: three clients with distributed noise (the installed
  // @noble and shamir-secret-sharing dependencies), one dropping out after sharing its keys.
  (async () => {
    const privacy = { noise: 'distributed', clipNorm: 1, noiseMultiplier: 0.5, minClients: 2, maxClients: 8 };
    const layers = [{ name: 'w', shape: [1000], values: Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) / 40) }];
    const ids = [0, 1, 2];
    const inputs = ids.map((id) => new dgp.ErrorFeedback({ topRatio: 0, bottomRatio: 0 }, { mode: 'bottom', privacy }).stepSecure(layers).integers);
    const server = new dgp.SecAggServer({ round: 0, length: 1000, threshold: 2, clients: ids });
    const clients = ids.map((id) => new dgp.SecAggClient({ id, round: 0, length: 1000, input: inputs[id] }));
    while (server.stage !== 'done') {
      const dropped = server.stage === 'masked-input' ? 2 : -1;
      for (const [id, message] of server.messages()) if (id !== dropped) server.receive(await clients[id].respond(message));
      await server.advance();
    }
    const want = new Uint32Array(1000);
    for (const id of [0, 1]) for (let i = 0; i < 1000; i++) want[i] = want[i] + inputs[id][i];
    assert.deepStrictEqual(server.survivors, [0, 1]);
    assert.ok(Buffer.from(server.result().buffer).equals(Buffer.from(want.buffer)), 'the secure sum is not the sum of the survivors');
    console.log(`ok: a secure-aggregation round with distributed noise on '${dgp.getBackend()}' (client 2 dropped) gives the survivors' exact sum`);
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  throw new Error(`usage: packed-tarball-check.js files | prebuilt|fallback <platform> | secagg, got ${mode}`);
}
