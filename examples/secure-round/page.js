// The example's browser page: several clients in one page, each long-polling the Node server
// with POST /exchange (its previous reply as the body, its next message as the response). It
// imports tfjs-dgp by name, as an app does (bundled by esbuild; wasm backend in a browser).
import * as dgp from 'tfjs-dgp';

import { ExampleClient } from './client';
import { TAG_BYE } from './round';

async function runClient(id, shard, privacy, unsafeSeed) {
  const client = new ExampleClient(dgp, { id, shard, privacy, unsafeSeed });
  let reply = new Uint8Array(0);
  let first = true;
  let messages = 0;
  for (;;) {
    const res = await fetch(`/exchange?client=${id}${first ? '&first' : ''}`, { method: 'POST', body: reply });
    first = false;
    const message = new Uint8Array(await res.arrayBuffer());
    if (message[0] === TAG_BYE) return messages;
    messages++;
    reply = await client.handle(message);
    const line = document.getElementById('status');
    if (line) line.textContent = `client ${id}: ${messages} messages answered (backend ${dgp.getBackend()})`;
  }
}

(async () => {
  try {
    const config = await (await fetch('/config.json')).json();
    const counts = await Promise.all(config.clients.map((c) => runClient(c.id, c.shard, c.privacy, c.unsafeSeed)));
    window.__result = JSON.stringify({ backend: dgp.getBackend(), messages: counts });
  } catch (e) {
    window.__error = String((e && e.stack) || e);
  }
})();
