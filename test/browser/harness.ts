/**
 * Shared by the Chromium test, the Chromium bench page and examples/browser: bundle a page with
 * esbuild's defaults (it imports 'tfjs-dgp' by name, resolved through the package's `browser`
 * export), serve it from 127.0.0.1 with Node's http module, and drive Debian's chromium
 * headless through playwright-core.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

export const CHROMIUM = process.env.DGP_CHROMIUM ?? '/usr/bin/chromium';

// Quiet, reproducible headless Chromium: no network side traffic, no GPU, fresh profile.
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Bundles `entry` for the browser with esbuild's default settings; returns the script. */
export async function bundlePage(entry: string, minify = false): Promise<string> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'browser', write: false, minify, logLevel: 'silent' });
  return r.outputFiles[0].text;
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves `files` (path -> body) from 127.0.0.1 on `port` (0: a free one); anything else is 404. */
export function serve(files: Record<string, { body: string | Uint8Array; type: string }>, port = 0): Promise<Served> {
  const server = http.createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]];
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

export function pageHtml(title: string, body = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}<script src="/main.js"></script></body></html>`;
}

type Page = import('playwright-core').Page;

// These functions run inside the page, where `window` exists; the package compiles without DOM types.

/**
 * Opens `url` in a fresh headless Chromium profile, waits until the page sets window.__result
 * (or window.__error) and returns the page's JSON result. Closes the browser and removes the
 * profile in every case.
 */
export async function runInChromium(url: string, timeoutMs = 120_000, onPage?: (page: Page) => Promise<void>): Promise<unknown> {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dgp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const logs: string[] = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await page.waitForFunction(() => {
      const w = (globalThis as unknown as { window: unknown }).window as { __result?: string; __error?: string };
      return w.__result !== undefined || w.__error !== undefined;
    }, undefined, { timeout: timeoutMs });
    const { result, error } = await page.evaluate(() => {
      const w = (globalThis as unknown as { window: unknown }).window as { __result?: string; __error?: string };
      return { result: w.__result, error: w.__error };
    });
    if (onPage) await onPage(page);
    if (error !== undefined) throw new Error(`the page failed: ${error}\n${logs.join('\n')}`);
    return JSON.parse(result!);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
