/**
 * With @tensorflow/tfjs-core alone (no backend registered, the state after
 * `npm install tfjs-dgp @tensorflow/tfjs-core`), every call that returns tensors fails with a
 * DgpError naming the call and what to install, not tfjs's bare "No backend found in registry."
 * Runs in a child process (dist/, by self-reference), where no backend was ever imported.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

const script = `
const dgp = require('tfjs-dgp');
const layers = [{ name: 'w', shape: [4], values: new Float32Array([0.5, -2, 0, 1]) }];
const config = { kTop: 1, kBottom: 2 };
const calls = {
  dgpMask: () => dgp.dgpMask([0.5, -2, 0, 1], config),
  dgpMaskAsync: () => dgp.dgpMaskAsync([0.5, -2, 0, 1], config),
  dgpPrune: () => dgp.dgpPrune([0.5, -2, 0, 1], config),
  dgpPruneAsync: () => dgp.dgpPruneAsync([0.5, -2, 0, 1], config),
  dgpPruneGradients: () => dgp.dgpPruneGradients(layers, config),
  dgpPruneGradientsAsync: () => dgp.dgpPruneGradientsAsync(layers, config),
  aggregateToTensors: () => dgp.aggregateToTensors(layers),
};
(async () => {
  const out = {};
  for (const [name, call] of Object.entries(calls)) {
    try { await call(); out[name] = 'no error'; } catch (e) { out[name] = { name: e.name, dgp: e instanceof dgp.DgpError, message: e.message }; }
  }
  // the raw level needs no tfjs backend
  out.dualTopBottomK = Array.from(dgp.dualTopBottomK(new Float32Array([0.5, -2, 0, 1]), 1, 2));
  console.log(JSON.stringify(out));
})();
`;

test('tfjs-core without a backend: tensor-returning calls say which call failed and what to install', () => {
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  expect(out.dualTopBottomK).toEqual([0, 2, 0, 1]);
  delete out.dualTopBottomK;
  expect(Object.keys(out)).toHaveLength(7);
  for (const [name, e] of Object.entries(out)) {
    expect(e).toEqual({
      name: 'DgpError',
      dgp: true,
      message:
        `${name}: TensorFlow.js has no backend registered (No backend found in registry.); install and import ` +
        '@tensorflow/tfjs-backend-cpu (or use @tensorflow/tfjs or @tensorflow/tfjs-node)',
    });
  }
});
