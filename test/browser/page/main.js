// The page of the Chromium test: imports tfjs and tfjs-dgp the way an app does (bundled by
// esbuild with default settings), runs the shared client on the package's default backend
// (wasm in a browser) and hands the result to the test as JSON.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's gradients (tfjs-layers and the union package import this; core alone does not).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as dgp from 'tfjs-dgp';

import { runClient } from '../client_round';

(async () => {
  try {
    await tf.setBackend('cpu');
    await tf.ready();
    const result = runClient(tf, dgp);
    window.__result = JSON.stringify({ ...result, info: dgp.backendInfo() });
  } catch (e) {
    window.__error = String((e && e.stack) || e);
  }
})();
