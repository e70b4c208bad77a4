/**
 * The example's server side, transport-agnostic: rounds of federated SGD where every update
 * reaches the server only through secure aggregation (SecAggServer), carrying its share of the
 * distributed noise. A dense round refreshes the ADGP positions from the aggregate (its middle
 * 10%); the rounds between send values at those positions only. Each round reports the bytes
 * each client uploaded, the time, the model's test accuracy and ε so far.
 */
import * as dgp from '../../src';
import { accuracy, Digit, flatten, initialWeights, Layer, PARAMETERS, unflatten } from './model';
import { CONFIG, DELTA, encodeSetup, ROUND_PRIVACY, RoundPrivacy, secaggMessage } from './round';

/** One client as the server reaches it: send a message, get its reply (rejects if the client is gone). */
export interface Connection {
  id: number;
  exchange(message: Uint8Array): Promise<Uint8Array>;
}

export interface RoundReport {
  round: number;
  kind: 'dense' | 'ADGP';
  /** Values each client sent through secure aggregation. */
  values: number;
  survivors: number;
  /** Median bytes one client uploaded in the round (all four stages). */
  uploadBytes: number;
  /** What the same values would cost as plain float32. */
  plainBytes: number;
  milliseconds: number;
  accuracy: number;
  /** ε (δ = 1e-5) of the rounds so far, distributed discrete Gaussian over the survivors. */
  epsilon: number;
  /** The unmasked sum (for tests: it must equal the sum of the survivors' inputs mod 2^32). */
  sum: Uint32Array;
}

export interface RunOptions {
  connections: Connection[];
  rounds: number;
  test: Digit[];
  /** The clients' noise settings (default ROUND_PRIVACY). */
  privacy?: RoundPrivacy;
  /** Shares needed to unmask (default: a majority of the clients, at least minClients). */
  threshold?: number;
  learningRate?: number;
  /** A dense round every this many rounds (the first is dense). */
  refreshEvery?: number;
  log?: (line: string) => void;
}

const median = (v: number[]) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];

export async function runSecureRounds(options: RunOptions): Promise<RoundReport[]> {
  const { connections, rounds, test } = options;
  const ids = connections.map((c) => c.id);
  const byId = new Map(connections.map((c) => [c.id, c]));
  const privacy = options.privacy ?? ROUND_PRIVACY;
  const threshold = options.threshold ?? Math.max(privacy.minClients, Math.floor(ids.length / 2) + 1);
  const lr = options.learningRate ?? 2;
  const refresh = options.refreshEvery ?? 4;
  let weights: Layer[] = initialWeights();
  let positions: dgp.AlignedPositions | null = null;
  let positionsBytes: Uint8Array | null = null;
  let rho = 0;
  const reports: RoundReport[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = Date.now();
    const dense = positions === null || round % refresh === 0;
    const length = dense ? PARAMETERS : positions!.layers.reduce((s, l) => s + l.indices.length, 0);
    // Every client computes its input (gradient, error feedback, clip, quantize, noise share).
    const setup = encodeSetup(round, flatten(weights), dense ? null : positionsBytes);
    await Promise.all(connections.map((c) => c.exchange(setup)));

    // The round's public layout: the model's layers, or the broadcast positions' (values only).
    const layers = dense
      ? weights.map((w) => ({ name: w.name, length: w.values.length }))
      : positions!.layers.map((l) => ({ name: l.name, length: l.indices.length }));
    const server = new dgp.SecAggServer({ round, length, threshold, clients: ids, layers, positionsId: dense ? undefined : positions!.id });
    const uploaded = new Map(ids.map((id) => [id, 0]));
    while (server.stage !== 'done') {
      await Promise.all(
        [...server.messages()].map(async ([id, message]) => {
          const reply = await byId.get(id)!.exchange(secaggMessage(message));
          uploaded.set(id, uploaded.get(id)! + reply.length);
          server.receive(reply);
        }),
      );
      await server.advance();
    }
    const survivors = server.survivors.length;
    const sum = server.result();

    // The server reads the sum back with the plan every client used, and steps the model.
    const plan = dgp.planDistributed({ ...privacy, dimension: length });
    const mean = dgp.dequantizeSum(sum, plan.step, survivors);
    const step = dense ? unflatten(mean) : densify(mean, positions!);
    weights = weights.map((w, i) => ({ ...w, values: w.values.map((v, j) => v - lr * step[i].values[j]) }));
    if (dense) {
      positions = dgp.chooseAlignedPositions(step, CONFIG, round + 1);
      positionsBytes = dgp.encodePositions(positions);
      positions = dgp.decodePositions(positionsBytes); // with its id, as the clients see it
    }
    rho += dgp.distributedRho({ scale: plan.scale, sensitivity: plan.sensitivity, clients: survivors, dimension: length });
    const report: RoundReport = {
      round, kind: dense ? 'dense' : 'ADGP', values: length, survivors,
      uploadBytes: median([...uploaded.values()]), plainBytes: 4 * length,
      milliseconds: Date.now() - started, accuracy: accuracy(weights, test), epsilon: dgp.epsilonFromRho(rho, DELTA), sum,
    };
    reports.push(report);
    options.log?.(
      `round ${String(round).padStart(2)}  ${report.kind.padEnd(5)}  ${String(length).padStart(6)} values  ` +
        `${survivors}/${ids.length} clients  upload ${report.uploadBytes} B/client (plain float32 ${report.plainBytes} B)  ` +
        `${report.milliseconds} ms  accuracy ${report.accuracy.toFixed(3)}  ε ${report.epsilon.toFixed(2)} (δ ${DELTA})`,
    );
  }
  return reports;
}

/** The mean at the broadcast positions, as dense layers (zeros elsewhere). */
function densify(values: Float32Array, positions: dgp.AlignedPositions): Layer[] {
  let at = 0;
  const layers = positions.layers.map((l) => {
    const v = values.subarray(at, at + l.indices.length);
    at += l.indices.length;
    return { name: l.name, values: v };
  });
  return dgp.densifyAligned({ round: positions.round, positionsId: positions.id!, layers }, positions, { maxElements: PARAMETERS });
}
