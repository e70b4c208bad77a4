/**
 * Secure-aggregation cost (SPEC §12; docs/SECAGG.md, "Cost"): a client's time and upload bytes
 * per round for L values and k neighbours, and the server's time for n clients, on the chosen
 * backend (native when the addon loads). Prints markdown tables.
 *
 * Client rows: one measured client among k + 1 (its neighbourhood: the complete graph over k + 1
 * clients is the same work as k neighbours in a larger SecAgg+ graph). Times are the medians of
 * `repeats` rounds: "mask" is the MaskedInputRequest answer (decrypting k share pairs, L values
 * masked k + 1 times with maskAdd, framing and CRC), "round" all four answers. Upload is the
 * bytes of its four messages against the plain 4 bytes per value.
 *
 * Server rows: real clients and a real round, except that the clients compute their masked
 * inputs with the maskAdd kernel switched off (bench-only: n·(k + 1) client masks of 10^6 values
 * would dominate the bench, and the server's work does not depend on the values it receives), so
 * the unmasked "sum" is meaningless here; its exactness is test/secagg's. "receive" is the time to check and accumulate all n uploads,
 * "unmask" the final advance() (Shamir reconstruction, removing n self masks and the pairwise
 * masks of the dropped), "total" every server call of the round.
 *
 * `npm run bench -- --secagg [--quick] [--large]` (or `node out/bench/secagg_cost.js [--quick] [--large]`
 * after `npm run build:ts && npm run build:scripts`): --quick skips L = 10^7 and the 100-client
 * complete graph; --large adds 1,000 clients (k = 16).
 */
import { backendInfo, getBackend, kernelsFor } from '../src/backend';
import { SecAggClient, SecAggServer } from '../src/secagg';
import { writeUnmaskRequest } from '../src/secagg/messages';
import type { Kernels } from '../src/surface/kernels';
import { median } from '../shared-dev/stats';

const now = (): number => Number(process.hrtime.bigint()) / 1e6; // ms

function randomInput(length: number, seed: number): Uint32Array {
  const x = new Uint32Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    x[i] = Math.imul(a ^ (a >>> 15), a | 1) >>> 0;
  }
  return x;
}

export interface ClientRow {
  length: number;
  neighbours: number;
  maskMs: number;
  roundMs: number;
  uploadBytes: number;
  ratio: number;
}

export async function clientCost(length: number, k: number, repeats: number): Promise<ClientRow> {
  const mask: number[] = [];
  const round: number[] = [];
  let upload = 0;
  const input = randomInput(length, 1);
  for (let r = 0; r < repeats; r++) {
    const n = k + 1;
    const server = new SecAggServer({ round: r, length, threshold: Math.floor(n / 2) + 1, clients: n });
    const clients = server.clients.map((id) => new SecAggClient({ id, round: r, length, ...(id === 0 ? { input } : {}) }));
    let mine = 0;
    upload = 0;
    for (let stage = 0; stage < 2; stage++) {
      for (const [id, msg] of server.messages()) {
        const t0 = now();
        const a = await clients[id].respond(msg);
        if (id === 0) {
          mine += now() - t0;
          upload += a.length;
        }
        server.receive(a);
      }
      await server.advance();
    }
    const t0 = now();
    const y = await clients[0].respond(server.messages().get(0)!);
    const m = now() - t0;
    upload += y.length;
    // the unmasking answer to the request the server would send when everyone survived
    const t1 = now();
    const u = await clients[0].respond(writeUnmaskRequest(r, 0, { survived: server.neighboursOf(0).slice(), dropped: [] }));
    mine += now() - t1 + m;
    upload += u.length;
    mask.push(m);
    round.push(mine);
  }
  return { length, neighbours: k, maskMs: median(mask), roundMs: median(round), uploadBytes: upload, ratio: upload / (4 * length) };
}

export interface ServerRow {
  clients: number;
  neighbours: number;
  length: number;
  dropped: number;
  receiveMs: number;
  unmaskMs: number;
  totalMs: number;
}

export async function serverCost(n: number, k: number, length: number, dropFraction: number): Promise<ServerRow> {
  const hood = k === 0 ? n : k + 1;
  const server = new SecAggServer({ round: 1, length, threshold: Math.floor(hood / 2) + 1, clients: n, ...(k ? { neighbours: k } : {}) });
  const clients = server.clients.map((id) => new SecAggClient({ id, round: 1, length }));
  let total = 0;
  const timed = async <T>(f: () => T | Promise<T>): Promise<[T, number]> => {
    const t0 = now();
    const v = await f();
    const dt = now() - t0;
    total += dt;
    return [v, dt];
  };
  for (let stage = 0; stage < 2; stage++) {
    for (const [id, msg] of server.messages()) {
      const a = await clients[id].respond(msg);
      await timed(() => server.receive(a));
    }
    await timed(() => server.advance());
  }
  // masked inputs: the clients answer with their masks switched off (see the header); every
  // (1 / dropFraction)-th client drops
  const dropEvery = dropFraction > 0 ? Math.round(1 / dropFraction) : 0;
  const gone = new Set(server.clients.filter((_, i) => dropEvery > 0 && i % dropEvery === dropEvery - 1));
  const kernels = kernelsFor(length) as { maskAdd: Kernels['maskAdd'] };
  const realMaskAdd = kernels.maskAdd;
  const uploads: Uint8Array[] = [];
  kernels.maskAdd = () => undefined;
  try {
    const input = randomInput(length, 3);
    for (const [id, msg] of server.messages()) {
      if (gone.has(id)) continue;
      clients[id].setInput(input);
      uploads.push(await clients[id].respond(msg));
    }
  } finally {
    kernels.maskAdd = realMaskAdd;
  }
  let receive = 0;
  for (const y of uploads) receive += (await timed(() => server.receive(y)))[1];
  await timed(() => server.advance());
  for (const [id, msg] of server.messages()) {
    const a = await clients[id].respond(msg);
    await timed(() => server.receive(a));
  }
  const [, unmask] = await timed(() => server.advance());
  return { clients: n, neighbours: k, length, dropped: gone.size, receiveMs: receive, unmaskMs: unmask, totalMs: total };
}

const f1 = (x: number): string => x.toFixed(1);

export async function runSecAggCost(quick: boolean, large: boolean, log: (s: string) => void): Promise<{ client: ClientRow[]; server: ServerRow[] }> {
  const info = backendInfo();
  log(`\n## Secure aggregation cost (backend ${getBackend()}${info.available.native ? '' : ', no native addon'})\n`);
  // the kernel alone, for scale: a client's mask stage is k + 1 of these, the server's unmasking n
  const acc = new Uint32Array(1e6);
  const key = Uint32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const nonce = Uint32Array.of(1, 2, 0);
  const kernelMs = median(Array.from({ length: 7 }, () => {
    const t0 = now();
    kernelsFor(acc.length).maskAdd(key, nonce, 0, false, acc);
    return now() - t0;
  }));
  log(`maskAdd kernel alone, 10^6 words: ${kernelMs.toFixed(2)} ms (median of 7)\n`);
  const client: ClientRow[] = [];
  const lengths = quick ? [1e5, 1e6] : [1e5, 1e6, 1e7];
  log('| L | k | client mask ms | client round ms | upload bytes | upload / 4L |');
  log('|---:|---:|---:|---:|---:|---:|');
  for (const length of lengths)
    for (const k of [8, 16, 32]) {
      const row = await clientCost(length, k, length >= 1e7 ? 1 : 3);
      client.push(row);
      log(`| ${length.toExponential(0)} | ${k} | ${f1(row.maskMs)} | ${f1(row.roundMs)} | ${row.uploadBytes} | ${row.ratio.toFixed(4)} |`);
    }
  const server: ServerRow[] = [];
  const cases: Array<[number, number, number]> = [
    [10, 0, 0], [10, 0, 0.1], [100, 16, 0], [100, 16, 0.1],
    ...(quick ? [] : ([[100, 0, 0], [100, 0, 0.1]] as Array<[number, number, number]>)),
    ...(large ? ([[1000, 16, 0], [1000, 16, 0.1]] as Array<[number, number, number]>) : []),
  ];
  log('\n| clients | k | L | dropped at masked input | receive ms | unmask ms | server total ms |');
  log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const [n, k, d] of cases) {
    const row = await serverCost(n, k, 1e6, d);
    server.push(row);
    log(`| ${n} | ${k || 'all'} | 1e+6 | ${row.dropped} | ${f1(row.receiveMs)} | ${f1(row.unmaskMs)} | ${f1(row.totalMs)} |`);
  }
  const c16 = client.find((r) => r.length === 1e6 && r.neighbours === 16);
  const s100 = server.filter((r) => r.clients === 100 && r.dropped === 0);
  log('');
  if (c16) log(`[${c16.maskMs <= 50 ? 'met' : 'MISSED'}] client masks 10^6 values for 16 neighbours in <= 50 ms: ${f1(c16.maskMs)} ms`);
  for (const r of client) if (r.length === 1e6) log(`[${r.ratio <= 1.1 ? 'met' : 'MISSED'}] upload <= 1.1x plain (L = 10^6, k = ${r.neighbours}): ${r.ratio.toFixed(4)}x`);
  for (const r of s100) log(`[${r.totalMs <= 1000 ? 'met' : 'MISSED'}] server, 100 clients x 10^6 (k = ${r.neighbours || 'all'}) in <= 1 s: ${f1(r.totalMs)} ms`);
  return { client, server };
}

export async function main(argv: string[]): Promise<void> {
  await runSecAggCost(argv.includes('--quick'), argv.includes('--large'), (s) => console.log(s));
  process.exit(0);
}

if (require.main === module) void main(process.argv.slice(2));
