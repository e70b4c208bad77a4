/**
 * `npm run bench:browser`: ns/element of dualTopBottomK on one layer of 10^7 (top 1% / bottom
 * 80%) inside headless Chromium (wasm, TypeScript) and in Node (native 1 thread, wasm,
 * TypeScript), in the same run, on the same values. Medians of 7 calls after a warm-up.
 */
import * as path from 'path';
import { performance } from 'perf_hooks';

import * as dgp from '../../src';
import { bundlePage, pageHtml, runInChromium, serve } from '../../test/browser/harness';
import { makeLayer, timeBackend, Timing } from './layer';

async function main(): Promise<void> {
  // The page sources live in bench/browser/ (out/ holds only the compiled Node side).
  const pageEntry = path.join(__dirname, '..', '..', '..', 'bench', 'browser', 'page.js');
  const server = await serve({
    '/': { body: pageHtml('tfjs-dgp bench'), type: 'text/html' },
    '/main.js': { body: await bundlePage(pageEntry), type: 'text/javascript' },
  });
  let page: { timings: Timing[]; userAgent: string };
  try {
    page = (await runInChromium(server.url, 600_000)) as typeof page;
  } finally {
    await server.close();
  }
  const g = makeLayer();
  dgp.setThreads(1);
  const backends = (['native', 'wasm', 'ts'] as const).filter((b) => dgp.backendInfo().available[b]);
  const node = backends.map((b) => timeBackend(dgp, b, g, () => performance.now()));
  const rows = [...node.map((t) => ({ where: 'Node ' + process.version, ...t })), ...page.timings.map((t) => ({ where: 'Chromium', ...t }))];
  console.log(`dualTopBottomK, 1e7 log-normal float32, top 1% / bottom 80%, codes into a preallocated array; median of 7`);
  console.log(`Chromium: ${page.userAgent}`);
  for (const r of rows) console.log(`${r.where.padEnd(16)} ${r.backend.padEnd(7)} ${r.nsPerElement.toFixed(2).padStart(7)} ns/element   (samples ${r.samples.map((s) => s.toFixed(1)).join(' ')})`);
  const get = (where: string, b: string) => rows.find((r) => r.where.startsWith(where) && r.backend === b)?.nsPerElement;
  const ratio = (a?: number, b?: number) => (a && b ? (a / b).toFixed(2) + 'x' : '-');
  console.log(`Node: wasm / native-1t = ${ratio(get('Node', 'wasm'), get('Node', 'native'))}, ts / wasm = ${ratio(get('Node', 'ts'), get('Node', 'wasm'))}`);
  console.log(`Chromium: ts / wasm = ${ratio(get('Chromium', 'ts'), get('Chromium', 'wasm'))}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
