/** A worker thread holding one example client (coordinator.ts reaches it through transports.ts). */
import { parentPort, workerData } from 'worker_threads';

import * as dgp from '../../src';
import { ExampleClient } from './client';

const client = new ExampleClient(dgp, workerData);
parentPort!.on('message', async (message: Uint8Array) => {
  const reply = await client.handle(new Uint8Array(message));
  parentPort!.postMessage(reply);
});
