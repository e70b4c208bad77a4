/**
 * Who shares secrets and masks with whom (docs/SECAGG.md, "Neighbour graph").
 *
 * Complete graph (Bonawitz et al. 2017; `neighbours` absent or >= n - 1): every client is every
 * other's neighbour. Shamir shares over GF(256) allow at most 255 shares per secret, and a client
 * keeps one share of its own secrets, so a complete graph holds at most 255 clients; more need
 * the neighbour graph.
 *
 * SecAgg+ neighbour graph (Bell et al. 2020; `neighbours: k`, k even, 2 <= k <= 254, k < n - 1):
 * a Harary-style ring over a public random permutation. The client ids, sorted ascending, are
 * shuffled by Fisher–Yates driven by a ChaCha20 stream keyed with the public 32-byte graph seed
 * (SecureRandom with that key; index j in [0, i] drawn by rejection from uniform 32-bit words);
 * client at ring position p is the neighbour of the k/2 clients on each side, positions p ± 1 ...
 * p ± k/2 (mod n). The graph is symmetric and every client has exactly k neighbours; its
 * neighbourhood for the threshold is itself plus those k (k + 1 <= 255 share holders).
 */
import { SecureRandom } from '../privacy/random';

/** Each client's neighbours (itself excluded), ids ascending. */
export type Graph = Map<number, number[]>;

/** A uniform random permutation of `ids` from the public seed (deterministic given the seed). */
export function permute(ids: readonly number[], seed: Uint8Array): number[] {
  const out = [...ids].sort((a, b) => a - b);
  const rng = SecureRandom.create({ unsafeSeed: seed }); // a public seed: its stream is meant to be reproducible
  const words = new Uint32Array(64);
  let used = words.length;
  const next = (): number => {
    if (used === words.length) {
      rng.fillUint32(words);
      used = 0;
    }
    return words[used++];
  };
  for (let i = out.length - 1; i > 0; i--) {
    const m = i + 1;
    const limit = Math.floor(0x100000000 / m) * m;
    let r: number;
    do r = next();
    while (r >= limit);
    const j = r % m;
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** The neighbour graph of `ids`: complete when k is 0 or k >= n - 1, else the ring of `permute`. */
export function buildGraph(ids: readonly number[], k: number, seed: Uint8Array): Graph {
  const n = ids.length;
  const g: Graph = new Map();
  if (k === 0 || k >= n - 1) {
    const sorted = [...ids].sort((a, b) => a - b);
    for (const u of sorted) g.set(u, sorted.filter((v) => v !== u));
    return g;
  }
  const ring = permute(ids, seed);
  const half = k >> 1;
  for (let p = 0; p < n; p++) {
    const nb: number[] = [];
    for (let d = 1; d <= half; d++) nb.push(ring[(p + d) % n], ring[(p - d + n) % n]);
    g.set(ring[p], nb.sort((a, b) => a - b));
  }
  return g;
}

/**
 * The largest subset of `alive` in which every client has at least threshold - 1 neighbours
 * (itself plus them: threshold share holders), by repeatedly dropping those that do not.
 */
export function prune(graph: Graph, alive: ReadonlySet<number>, threshold: number): Set<number> {
  const keep = new Set(alive);
  for (let changed = true; changed; ) {
    changed = false;
    for (const u of keep) {
      let c = 1;
      for (const v of graph.get(u)!) if (keep.has(v)) c++;
      if (c < threshold) {
        keep.delete(u);
        changed = true;
      }
    }
  }
  return keep;
}
