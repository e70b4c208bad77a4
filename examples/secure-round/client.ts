/**
 * The example's client, written once for Node worker threads, the browser page and the tests: it
 * answers the example server's messages (round.ts's envelope) with bytes. Each round it computes
 * its gradient on its shard, runs error feedback with distributed noise (ErrorFeedback.stepSecure:
 * clip, quantize, add its share of the noise; on ADGP rounds only the broadcast positions) and
 * takes part in secure aggregation with SecAggClient. The package is passed in (`dgp`), so a page
 * uses its browser build and Node the same sources.
 */
import { CONFIG, decodeSetup, ROUND_PRIVACY, RoundPrivacy, TAG_SECAGG, TAG_SETUP } from './round';
import { Digit, gradient, unflatten } from './model';

type Dgp = typeof import('../../src');

export interface ClientOptions {
  id: number;
  shard: Digit[];
  /** The round's noise settings (default ROUND_PRIVACY); the server must use the same. */
  privacy?: RoundPrivacy;
  /** UNSAFE, tests only: fixes this client's noise and protocol randomness so a run can be replayed. */
  unsafeSeed?: number;
}

export class ExampleClient {
  private readonly feedback: InstanceType<Dgp['ErrorFeedback']>;
  private secagg: InstanceType<Dgp['SecAggClient']> | null = null;
  /** The integers this client contributed in its last round (its secure-aggregation input). */
  lastInput: Uint32Array | null = null;

  constructor(private readonly dgp: Dgp, private readonly options: ClientOptions) {
    const seed = options.unsafeSeed;
    this.feedback = new dgp.ErrorFeedback(CONFIG, {
      mode: 'bottom',
      privacy: { noise: 'distributed', ...(options.privacy ?? ROUND_PRIVACY), ...(seed === undefined ? {} : { unsafeSeed: seed }) },
    });
  }

  /** Answers one server message (see round.ts); the reply to a setup is empty. */
  async handle(message: Uint8Array): Promise<Uint8Array> {
    if (message[0] === TAG_SETUP) {
      const { round, weights, positions } = decodeSetup(message);
      const aligned = positions ? this.dgp.decodePositions(positions) : undefined;
      const grads = gradient(unflatten(weights), this.options.shard);
      const update = this.feedback.stepSecure(grads, { positions: aligned, round });
      this.lastInput = update.integers;
      const seed = this.options.unsafeSeed;
      this.secagg = new this.dgp.SecAggClient({
        id: this.options.id, round, length: update.integers.length, input: update.integers, layers: update.layers, positionsId: update.positionsId,
        ...(seed === undefined ? {} : { unsafeSeed: seed * 7919 + round }),
      });
      return new Uint8Array(0);
    }
    if (message[0] === TAG_SECAGG && this.secagg) return this.secagg.respond(message.subarray(1));
    throw new Error(`client ${this.options.id}: unexpected message tag ${message[0]}`);
  }
}
