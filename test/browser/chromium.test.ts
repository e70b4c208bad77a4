/**
 * Issue 11 part 4: a real browser. Headless Chromium opens a page bundled with esbuild's defaults
 * that trains a small tfjs model for a few steps and runs dgpPruneGradients, ErrorFeedback.step
 * and encodeUpdate on the package's browser default backend (wasm); Node runs the same client on
 * every CPU backend, and the gradients, kept sets, pruned tensors, update bytes and final
 * weights must agree bit for bit. Served from 127.0.0.1 only.
 *
 * Skips when Chromium is absent, except under DGP_REQUIRE_CHROMIUM=1, which
 * .ci/steps/40-browser-chromium.sh sets after installing it: there a missing browser fails.
 */
import * as fs from 'fs';
import * as path from 'path';

import * as tf from '@tensorflow/tfjs-core';
import '../helpers/tfjs_backends'; // registers tfjs-core's gradients in Node

import * as dgp from '../../src';
import { CPU_BACKENDS } from '../helpers/backends';
import { runClient, ClientResult } from './client_round';
import { bundlePage, CHROMIUM, pageHtml, runInChromium, serve } from './harness';

const REQUIRED = process.env.DGP_REQUIRE_CHROMIUM === '1';
const present = fs.existsSync(CHROMIUM);
if (REQUIRED && !present) throw new Error(`DGP_REQUIRE_CHROMIUM=1 but ${CHROMIUM} does not exist`);
const testIf = present ? test : test.skip;

testIf('Chromium (wasm backend) and Node (every backend) compute the same client rounds, bit for bit', async () => {
  await tf.setBackend('cpu');
  const script = await bundlePage(path.join(__dirname, 'page', 'main.js'));
  const server = await serve({
    '/': { body: pageHtml('tfjs-dgp chromium test'), type: 'text/html' },
    '/main.js': { body: script, type: 'text/javascript' },
  });
  let browser: ClientResult & { info: dgp.BackendInfo };
  try {
    browser = (await runInChromium(server.url)) as typeof browser;
  } finally {
    await server.close();
  }
  // In the browser the package chose wasm by itself, and the addon was never tried.
  expect(browser.backend).toBe('wasm');
  expect(browser.info.available).toEqual({ native: false, cuda: false, wasm: true, ts: true });
  expect(browser.info.wasm.sha256).toBe(dgp.backendInfo().wasm.sha256);

  for (const backend of CPU_BACKENDS) {
    dgp.setBackend(backend);
    try {
      const node = runClient(tf, dgp, 4, `_${backend}`);
      expect({ backend, node: node.backend }).toEqual({ backend, node: backend });
      // Whole-structure equality of plain integer arrays: any differing bit fails.
      for (const key of ['gradientBits', 'keptIndices', 'prunedBits', 'updateBytes', 'partialBytes', 'weightBits', 'noisedUpdateBytes'] as const)
        expect({ backend, key, same: JSON.stringify(node[key]) === JSON.stringify(browser[key]) }).toEqual({ backend, key, same: true });
    } finally {
      dgp.setBackend('auto');
    }
  }
  expect(browser.secureKeysDiffer).toBe(true);
  // The noise changed the update (same gradients, different bytes) on every step.
  for (let s = 0; s < 4; s++) expect(browser.noisedUpdateBytes[s]).not.toEqual(browser.updateBytes[s]);
  // The client did real work: 4 rounds, 4 layers, non-empty updates with kept entries.
  expect(browser.updateBytes).toHaveLength(4);
  expect(browser.keptIndices[3].reduce((s, k) => s + k.length, 0)).toBeGreaterThan(10);
}, 180_000);
