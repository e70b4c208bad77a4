/**
 * `npm run example:browser`: serves examples/browser (an in-page federated MNIST client) from
 * 127.0.0.1 with Node's http module. The page script is bundled with esbuild's defaults; the
 * digits (500 to train, 200 to test, from the `mnist` package) are served as JSON.
 *   npm run example:browser                          serve on http://127.0.0.1:8080/ until Ctrl-C
 *   npm run example:browser -- --port=0              any free port
 *   npm run example:browser -- --screenshot=<png>    run the page in headless Chromium, save a
 *                                                    screenshot when training is done, and exit
 */
import * as fs from 'fs';
import * as path from 'path';

import { bundlePage, runInChromium, serve } from '../../test/browser/harness';
import { digits } from '../mnist';

// The page sources stay in examples/browser/; this file runs from out/examples/browser/.
const source = path.join(__dirname, '..', '..', '..', 'examples', 'browser');

async function main(): Promise<void> {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const screenshot = arg('screenshot');
  const port = Number(arg('port') ?? (screenshot ? 0 : 8080));
  const files = {
    '/': { body: fs.readFileSync(path.join(source, 'index.html'), 'utf8'), type: 'text/html' },
    '/main.js': { body: await bundlePage(path.join(source, 'client.js')), type: 'text/javascript' },
    '/digits.json': { body: JSON.stringify({ train: digits(50, 0), test: digits(20, 50) }), type: 'application/json' },
  };
  const server = await serve(files, port);
  if (!screenshot) {
    console.log(`tfjs-dgp browser example: open ${server.url} (Ctrl-C to stop)`);
    return;
  }
  try {
    const result = await runInChromium(server.url, 300_000, async (page) => {
      await page.setViewportSize({ width: 820, height: 1020 });
      await page.screenshot({ path: screenshot, fullPage: true });
    });
    console.log(`${screenshot}: ${JSON.stringify(result)}`);
  } finally {
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
