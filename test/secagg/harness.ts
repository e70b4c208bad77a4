/**
 * Runs secure-aggregation rounds in memory for the tests: a server, its clients, and a
 * transport that can drop clients at any stage.
 */
import { SecAggServer, SecAggClient } from '../../src/secagg';
import type { SecAggServerOptions } from '../../src/secagg';
import { mulberry32 } from '../../shared-dev/seeded';

export interface RoundSetup {
  server: SecAggServer;
  clients: Map<number, SecAggClient>;
  inputs: Map<number, Uint32Array>;
}

export function randomInput(length: number, seed: number): Uint32Array {
  const next = mulberry32(seed);
  return Uint32Array.from({ length }, () => next());
}

export function setup(options: SecAggServerOptions, seed = 1, unsafe = true): RoundSetup {
  const server = new SecAggServer(unsafe ? { unsafeSeed: seed, ...options } : options);
  const clients = new Map<number, SecAggClient>();
  const inputs = new Map<number, Uint32Array>();
  for (const id of server.clients) {
    const input = randomInput(options.length, seed * 7919 + id);
    inputs.set(id, input);
    clients.set(id, new SecAggClient({ id, round: options.round, length: options.length, input, layers: options.layers, positionsId: options.positionsId, ...(unsafe ? { unsafeSeed: seed * 100003 + id } : {}) }));
  }
  return { server, clients, inputs };
}

/** Delivers the current stage's messages to every client not in `drop`, and their answers to the server. */
export async function exchange(r: RoundSetup, drop: ReadonlySet<number> = new Set()): Promise<void> {
  for (const [id, msg] of r.server.messages()) {
    if (drop.has(id)) continue;
    r.server.receive(await r.clients.get(id)!.respond(msg));
  }
}

/** The expected sum mod 2^32 of the inputs of `ids`. */
export function expectedSum(r: RoundSetup, ids: Iterable<number>, length: number): Uint32Array {
  const s = new Uint32Array(length);
  for (const id of ids) {
    const x = r.inputs.get(id)!;
    for (let i = 0; i < length; i++) s[i] += x[i];
  }
  return s;
}

/** Runs all four stages, dropping drops[stage] at each; returns the result. */
export async function runRound(r: RoundSetup, drops: ReadonlyArray<ReadonlySet<number>> = []): Promise<Uint32Array> {
  for (let stage = 0; stage < 4; stage++) {
    await exchange(r, drops[stage] ?? new Set());
    await r.server.advance();
  }
  return r.server.result();
}
