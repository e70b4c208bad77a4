/**
 * Issue 21 ask 5: secure aggregation with clients in a real browser. Headless Chromium runs two
 * clients of examples/secure-round in one page (the package's browser build, wasm backend, Web
 * Crypto) against the example's Node server over HTTP on 127.0.0.1, beside one client in Node.
 * Each round (a dense one, then ADGP rounds on the broadcast positions) the server's unmasked sum
 * must equal, mod 2^32, the sum of the three clients' inputs recomputed in Node from the same
 * messages and seeds (quantization and noise bit-identical across backends), and every round must
 * keep all three clients.
 *
 * Skips when Chromium is absent, except under DGP_REQUIRE_CHROMIUM=1 (set by CI).
 */
import * as fs from 'fs';
import * as path from 'path';

import * as dgp from '../../src';
import { ExampleClient } from '../../examples/secure-round/client';
import { Connection, runSecureRounds } from '../../examples/secure-round/coordinator';
import { pageServer } from '../../examples/secure-round/transports';
import { TAG_SETUP } from '../../examples/secure-round/round';
import { digits } from '../../examples/mnist';
import { bundlePage, CHROMIUM, pageHtml, runInChromium } from './harness';

const REQUIRED = process.env.DGP_REQUIRE_CHROMIUM === '1';
const present = fs.existsSync(CHROMIUM);
if (REQUIRED && !present) throw new Error(`DGP_REQUIRE_CHROMIUM=1 but ${CHROMIUM} does not exist`);
const testIf = present ? test : test.skip;

const PRIVACY = { clipNorm: 1, noiseMultiplier: 0.5, minClients: 3, maxClients: 16 };

testIf('clients in Chromium and in Node: the secure sum is the exact sum of their noised, quantized inputs', async () => {
  const train = digits(3, 0);
  const shard = (i: number) => train.filter((_, j) => j % 3 === i);
  const seed = (id: number) => 1000 + id;
  const pageIds = [1, 2];
  const files = {
    '/': { body: pageHtml('tfjs-dgp secure aggregation test'), type: 'text/html' },
    '/main.js': { body: await bundlePage(path.join(__dirname, '..', '..', 'examples', 'secure-round', 'page.js')), type: 'text/javascript' },
    '/config.json': {
      body: JSON.stringify({ clients: pageIds.map((id) => ({ id, shard: shard(id), privacy: PRIVACY, unsafeSeed: seed(id) })) }),
      type: 'application/json',
    },
  };
  const served = await pageServer(files, pageIds);
  // Node twins of the page clients see the same setup messages and compute their inputs here.
  const twins = new Map(pageIds.map((id) => [id, new ExampleClient(dgp, { id, shard: shard(id), privacy: PRIVACY, unsafeSeed: seed(id) })]));
  const local = new ExampleClient(dgp, { id: 0, shard: shard(0), privacy: PRIVACY, unsafeSeed: seed(0) });
  // Per round, the sum mod 2^32 of the three inputs as Node computes them.
  const wanted: Uint32Array[] = [];
  const record = (round: number, input: Uint32Array) => {
    const w = (wanted[round] ??= new Uint32Array(input.length));
    for (let i = 0; i < w.length; i++) w[i] = w[i] + input[i];
  };
  const roundOf = (m: Uint8Array) => new DataView(m.buffer, m.byteOffset).getUint32(1, true);
  const connections: Connection[] = [
    {
      id: 0,
      exchange: async (m) => {
        const reply = await local.handle(m);
        if (m[0] === TAG_SETUP) record(roundOf(m), local.lastInput!);
        return reply;
      },
    },
    ...served.connections.map((c) => ({
      id: c.id,
      exchange: async (m: Uint8Array) => {
        if (m[0] === TAG_SETUP) {
          await twins.get(c.id)!.handle(m);
          record(roundOf(m), twins.get(c.id)!.lastInput!);
        }
        return c.exchange(m);
      },
    })),
  ];
  const page = runInChromium(served.url, 120_000);
  let reports;
  try {
    reports = await runSecureRounds({ connections, rounds: 3, test: digits(2, 500), privacy: PRIVACY, threshold: 2, refreshEvery: 2 });
  } finally {
    await served.close();
  }
  const browser = (await page) as { backend: string; messages: number[] };
  expect(browser.backend).toBe('wasm');
  expect(browser.messages).toEqual([15, 15]); // 3 rounds × (setup + 4 stages) per page client

  expect(reports.map((r) => r.kind)).toEqual(['dense', 'ADGP', 'dense']);
  for (const r of reports) {
    expect({ round: r.round, survivors: r.survivors }).toEqual({ round: r.round, survivors: 3 });
    expect({ round: r.round, exact: Buffer.from(r.sum.buffer).equals(Buffer.from(wanted[r.round].buffer)) }).toEqual({ round: r.round, exact: true });
  }
  const last = reports[reports.length - 1];
  // The masked uploads were real uploads: a dense round sends about 4 bytes per value.
  expect(last.uploadBytes).toBeGreaterThan(4 * last.values);
  expect(last.uploadBytes).toBeLessThan(1.1 * 4 * last.values + 2000);
}, 180_000);
