/**
 * Two ways the example's server reaches a client: a Node worker thread (postMessage), and a
 * browser page over HTTP on 127.0.0.1 (each client in the page long-polls POST /exchange with its
 * previous reply as the body and gets its next message as the response).
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { Worker } from 'worker_threads';

import type { Connection } from './coordinator';
import { TAG_BYE } from './round';

/** A client running in a worker thread (worker.js), answering one message at a time. */
export function workerConnection(script: string, id: number, workerData: unknown): Connection & { close(): Promise<number> } {
  const worker = new Worker(script, { workerData });
  let waiting: { resolve(b: Uint8Array): void; reject(e: unknown): void } | null = null;
  worker.on('message', (reply: Uint8Array) => {
    const w = waiting;
    waiting = null;
    w?.resolve(new Uint8Array(reply));
  });
  worker.on('error', (e) => waiting?.reject(e));
  return {
    id,
    exchange(message) {
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        worker.postMessage(message);
      });
    },
    close: () => worker.terminate(),
  };
}

interface PageClient {
  /** The page's open request, waiting for this client's next message. */
  poll: http.ServerResponse | null;
  /** The server's exchange waiting for this client's reply. */
  reply: ((bytes: Uint8Array) => void) | null;
  /** A message the page has not picked up yet. */
  queued: Uint8Array | null;
}

/**
 * Serves `files` and the clients `ids` of a page from 127.0.0.1 (port 0: any free one). Each
 * client's connection resolves an exchange when the page posts the reply.
 */
export async function pageServer(files: Record<string, { body: string | Uint8Array; type: string }>, ids: number[], port = 0) {
  const clients = new Map<number, PageClient>(ids.map((id) => [id, { poll: null, reply: null, queued: null }]));
  const deliver = (c: PageClient) => {
    if (c.poll && c.queued) {
      c.poll.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' }).end(c.queued);
      c.poll = null;
      c.queued = null;
    }
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/exchange') {
      const c = clients.get(Number(url.searchParams.get('client')));
      if (!c) return void res.writeHead(404).end('no such client');
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const body = new Uint8Array(Buffer.concat(chunks));
        c.poll = res;
        // The first poll of a page carries no reply; every later one answers the last message.
        if (c.reply && url.searchParams.get('first') === null) {
          const reply = c.reply;
          c.reply = null;
          reply(body);
        }
        deliver(c);
      });
      return;
    }
    const file = files[url.pathname];
    if (!file) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const connections: Connection[] = ids.map((id) => ({
    id,
    exchange(message: Uint8Array) {
      const c = clients.get(id)!;
      return new Promise<Uint8Array>((resolve) => {
        c.reply = resolve;
        c.queued = message;
        deliver(c);
      });
    },
  }));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    connections,
    /** Tells every page client to stop, then closes the server. */
    async close(): Promise<void> {
      for (const c of clients.values()) {
        c.queued = Uint8Array.of(TAG_BYE);
        deliver(c);
      }
      server.closeAllConnections?.();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
