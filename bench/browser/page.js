// The Chromium page of `npm run bench:browser`: times the wasm and TypeScript backends on the
// shared layer and hands the timings to Node as JSON.
import * as dgp from 'tfjs-dgp';

import { makeLayer, timeBackend } from './layer';

setTimeout(() => {
  try {
    const g = makeLayer();
    const now = () => performance.now();
    const timings = ['wasm', 'ts'].map((b) => timeBackend(dgp, b, g, now));
    window.__result = JSON.stringify({ timings, userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated });
  } catch (e) {
    window.__error = String((e && e.stack) || e);
  }
}, 0);
