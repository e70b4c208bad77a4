/**
 * The server's one accumulation step (docs/SECAGG.md, "Server"): acc += y mod 2^32 with the
 * `modularAdd` kernel of the chosen backend. Kept to this one function so that it can be routed
 * through the streaming Aggregator's modular mode later without touching the protocol.
 */
import { kernelsFor } from '../backend';

export function accumulateMasked(acc: Uint32Array, masked: Uint32Array): void {
  kernelsFor(acc.length).modularAdd(acc, masked, false);
}
