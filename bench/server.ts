/**
 * Server load (docs/FL.md "Streaming aggregator"): 1,000 simulated client messages of a
 * ResNet-18-sized update (top 1% / bottom 80%: 19% of 11.7M entries kept, so bitmap-coded,
 * about 10.4 MB each) streamed through one Aggregator, and through a tree of 4 worker_threads
 * aggregators (250 messages each) whose partial aggregates the main thread merges.
 * Reports messages/s, MB/s of message bytes and peak RSS, each mode in a fresh child process.
 *
 *   npm run bench:server [-- --messages 1000 --backend native|wasm|ts] [-- --privacy]
 *
 * `--privacy`: the single aggregator enforces a clip norm (central mode, options.privacy with a
 * bound no message reaches and no noise): each message's norm is checked before it is added
 * (docs/PRIVACY.md "Central mode"), so the row against a run without it is that check's cost.
 *
 * Messages: `DISTINCT` different client updates (random kept sets and log-normal values) are
 * encoded up front (by the parent, into a temporary folder) and sent in turn; validation and scatter-add cost does not depend on which.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'worker_threads';

import { setBackend } from '../src/backend';
import { Aggregator, encodeUpdate, LayerLayout } from '../src/fl';
import { seededUniform } from '../shared-dev/seeded';
import { resnet18Shapes } from './fl';

const DISTINCT = 4;
const KEPT = 0.19; // top 1% and bottom 80% removed

function args(): { messages: number; backend: string; mode: string; dir: string; privacy: boolean } {
  const a = process.argv.slice(2);
  const get = (k: string, d: string) => (a.includes(k) ? a[a.indexOf(k) + 1] : d);
  return { messages: Number(get('--messages', '1000')), backend: get('--backend', 'native'), mode: get('--mode', ''), dir: get('--dir', ''), privacy: a.includes('--privacy') };
}

/** The messages, made once by the parent and read from files, so generating them does not raise a child's peak RSS. */
function load(dir: string): Uint8Array[] {
  return Array.from({ length: DISTINCT }, (_, c) => {
    const b = fs.readFileSync(path.join(dir, `client${c}.bin`));
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  });
}

function layout(): LayerLayout[] {
  return resnet18Shapes().map(([name, shape]) => ({ name, shape }));
}

/** Client c's message: a random 19% kept set per layer, log-normal values. */
function message(c: number): Uint8Array {
  const rand = seededUniform(((c + 1) * 0x9e3779b9) >>> 0);
  return encodeUpdate({
    round: 1,
    layers: layout().map(({ name, shape }) => {
      const n = shape.reduce((x, y) => x * y, 1);
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (rand() < KEPT) idx.push(i);
      const indices = Uint32Array.from(idx);
      const values = Float32Array.from(indices, () => (rand() < 0.5 ? -1 : 1) * Math.exp(-6 + 4 * (rand() - 0.5)));
      return { name, shape, indices, values };
    }),
  });
}

const mb = (bytes: number) => bytes / 1e6;
const rssMb = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

/** One aggregator, `count` messages, on this thread. */
function single(count: number, backend: string, dir: string, privacy: boolean): object {
  setBackend(backend as 'native');
  const msgs = load(dir);
  const before = rssMb();
  const agg = privacy
    ? new Aggregator({ reduce: 'sum', maxElements: 2e7, layout: layout(), privacy: { clipNorm: 1e30, noiseMultiplier: 0 } })
    : new Aggregator({ reduce: 'mean', maxElements: 2e7, layout: layout() });
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const m = msgs[i % DISTINCT];
    agg.add(m, 1 + (i % 3));
    bytes += m.length;
  }
  const addMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6; // this thread's CPU time: less sensitive to a shared machine
  const peakAdd = rssMb();
  const r = agg.result();
  const resultMs = performance.now() - t0 - addMs;
  return {
    mode: 'single', backend, messages: count, messageMB: mb(msgs[0].length), seconds: addMs / 1e3,
    messagesPerSecond: count / (addMs / 1e3), MBps: mb(bytes) / (addMs / 1e3), cpuSeconds, MBperCpuSecond: mb(bytes) / cpuSeconds, resultMs,
    rssBeforeMB: before, peakRssDuringAddsMB: peakAdd, peakRssMB: rssMb(), layers: r.length,
  };
}

/** Worker: builds its messages, waits for 'go', adds `count`, returns its partial. */
function worker(): void {
  const { count, backend, id, dir } = workerData as { count: number; backend: string; id: number; dir: string };
  setBackend(backend as 'native');
  const msgs = load(dir);
  const agg = new Aggregator({ reduce: 'mean', maxElements: 2e7, layout: layout() });
  parentPort!.once('message', () => {
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const m = msgs[(i + id) % DISTINCT];
      agg.add(m, 1 + ((i * 4 + id) % 3));
      bytes += m.length;
    }
    const p = agg.encodePartial();
    parentPort!.postMessage({ partial: p, bytes }, [p.buffer as ArrayBuffer]);
  });
  parentPort!.postMessage('ready');
}

async function tree(count: number, backend: string, dir: string): Promise<object> {
  setBackend(backend as 'native');
  const before = rssMb();
  const workers = [0, 1, 2, 3].map((id) => new Worker(__filename, { workerData: { count: count / 4, backend, id, dir } }));
  await Promise.all(workers.map((w) => new Promise((ok) => w.once('message', ok))));
  const results = workers.map((w) => new Promise<{ partial: Uint8Array; bytes: number }>((ok) => w.once('message', ok)));
  const t0 = performance.now();
  workers.forEach((w) => w.postMessage('go'));
  const root = new Aggregator({ reduce: 'mean', maxElements: 2e7, layout: layout() });
  let bytes = 0;
  for (const r of results) {
    const { partial, bytes: b } = await r;
    root.merge(partial);
    bytes += b;
  }
  const seconds = (performance.now() - t0) / 1e3;
  root.result();
  await Promise.all(workers.map((w) => w.terminate()));
  return { mode: 'tree of 4 workers', backend, messages: root.count, seconds, messagesPerSecond: root.count / seconds, MBps: mb(bytes) / seconds, rssBeforeMB: before, peakRssMB: rssMb() };
}

async function main(): Promise<void> {
  const a = args();
  if (a.mode === 'single') return void console.log(JSON.stringify(single(a.messages, a.backend, a.dir, a.privacy)));
  if (a.mode === 'tree') return void console.log(JSON.stringify(await tree(a.messages, a.backend, a.dir)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgp-bench-server-'));
  for (let c = 0; c < DISTINCT; c++) fs.writeFileSync(path.join(dir, `client${c}.bin`), message(c));
  const dense = layout().reduce((s, l) => s + 4 * l.shape.reduce((x, y) => x * y, 1), 0);
  const run = (mode: string) => JSON.parse(execFileSync(process.execPath, [__filename, '--mode', mode, '--messages', String(a.messages), '--backend', a.backend, '--dir', dir, ...(a.privacy ? ['--privacy'] : [])], { encoding: 'utf8', maxBuffer: 1 << 20 }));
  const s = run('single');
  const t = run('tree');
  fs.rmSync(dir, { recursive: true });
  console.log(`ResNet-18 update: ${mb(dense).toFixed(1)} MB dense float32, ${s.messageMB.toFixed(2)} MB per message (top 1% / bottom 80%), backend ${a.backend}, ${a.messages} messages${a.privacy ? '; the single aggregator checks each message\'s norm (options.privacy)' : ''}`);
  for (const r of [s, t])
    console.log(`${r.mode.padEnd(18)} ${r.seconds.toFixed(2)} s  ${r.messagesPerSecond.toFixed(1)} msg/s  ${r.MBps.toFixed(0)} MB/s of messages  peak RSS ${r.peakRssMB.toFixed(0)} MB (${r.rssBeforeMB.toFixed(0)} MB before the aggregator)`);
  console.log(`one aggregator: ${s.MBperCpuSecond.toFixed(0)} MB of messages per CPU-second (${s.cpuSeconds.toFixed(1)} CPU-s for the adds)`);
  console.log(`one aggregator: peak RSS ${s.peakRssDuringAddsMB.toFixed(0)} MB during the adds, ${(s.peakRssDuringAddsMB - s.rssBeforeMB).toFixed(0)} MB above the process with its ${DISTINCT} messages loaded; target: growth < 2 x dense + one message = ${(2 * mb(dense) + s.messageMB).toFixed(0)} MB`);
  console.log(`tree speed-up over one aggregator: ${(t.messagesPerSecond / s.messagesPerSecond).toFixed(2)}x on ${require('os').cpus().length} cores`);
  console.log(JSON.stringify({ single: s, tree: t }));
}

if (isMainThread) main().catch((e) => {
  console.error(e);
  process.exit(1);
});
else worker();
