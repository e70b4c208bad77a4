/**
 * `npm run example:secure`: a Node server and several clients run federated SGD on MNIST where
 * the server sees only the securely aggregated sum of the clients' updates, with distributed
 * noise and ADGP. Clients are worker threads and (with --browser) clients in a headless Chromium
 * page talking to the server over HTTP on 127.0.0.1. Prints bytes, time, accuracy and ε per round.
 *
 *   npm run example:secure                              4 worker clients, 8 rounds
 *   npm run example:secure -- --workers=3 --browser=2   3 workers and 2 clients in a page
 *   npm run example:secure -- --rounds=12 --serve       serve the page on a fixed port and wait for a browser
 */
import * as path from 'path';

import { bundlePage, pageHtml, runInChromium } from '../../test/browser/harness';
import { digits } from '../mnist';
import { Connection, runSecureRounds } from './coordinator';
import { pageServer, workerConnection } from './transports';
import { ROUND_PRIVACY } from './round';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const flag = (name: string) => process.argv.includes(`--${name}`);

async function main(): Promise<void> {
  const workers = arg('workers', 4);
  const browser = arg('browser', 0);
  const rounds = arg('rounds', 8);
  const perClient = arg('digits', 6); // per digit class: 60 training digits per client
  const clients = workers + browser;
  const privacy = { ...ROUND_PRIVACY, noiseMultiplier: arg('z', ROUND_PRIVACY.noiseMultiplier), minClients: arg('min-clients', Math.min(clients, 8)) };
  const train = digits(perClient * clients, 0);
  const test = digits(30, 500);
  const shard = (i: number) => train.filter((_, j) => j % clients === i);

  const connections: Connection[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  const script = path.join(__dirname, 'worker.js');
  for (let i = 0; i < workers; i++) {
    const c = workerConnection(script, i, { id: i, shard: shard(i), privacy });
    connections.push(c);
    closers.push(c.close);
  }
  let page: Promise<unknown> | null = null;
  if (browser > 0) {
    const ids = Array.from({ length: browser }, (_, k) => workers + k);
    const source = path.join(__dirname, '..', '..', '..', 'examples', 'secure-round', 'page.js');
    const files = {
      '/': { body: pageHtml('tfjs-dgp secure round', '<p id="status">starting</p>'), type: 'text/html' },
      '/main.js': { body: await bundlePage(source), type: 'text/javascript' },
      '/config.json': { body: JSON.stringify({ clients: ids.map((id) => ({ id, shard: shard(id), privacy })) }), type: 'application/json' },
    };
    const served = await pageServer(files, ids, flag('serve') ? 8081 : 0);
    connections.push(...served.connections);
    closers.push(served.close);
    if (flag('serve')) console.log(`open ${served.url} in a browser to join ${browser} clients`);
    else page = runInChromium(served.url, 600_000);
  }
  console.log(
    `${clients} clients (${workers} worker threads, ${browser} in a page), ${rounds} rounds, secure aggregation with ` +
      `distributed noise z = ${privacy.noiseMultiplier} over >= ${privacy.minClients} clients, clip norm ${privacy.clipNorm}`,
  );
  try {
    await runSecureRounds({ connections, rounds, test, privacy, learningRate: arg('lr', 2), log: (line) => console.log(line) });
  } finally {
    for (const close of closers) await close();
  }
  if (page) console.log(`page: ${JSON.stringify(await page)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
