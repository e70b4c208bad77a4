/** What the attacker (an honest-but-curious server) sees of one client's round. */
import { Model, Params } from '../models';

export interface AttackerView {
  model: Model;
  /** the model weights the client computed its gradient at (known to the server) */
  weights: Params;
  /** the values the wire carried, in place; 0 where nothing was sent */
  values: Params;
  /** 1 where a value was sent; null = dense update (every position sent) */
  sent: Record<string, Uint8Array> | null;
  /**
   * true when the defense is known to send a magnitude band of each layer (plain pruning, DGP,
   * top withholding): every unsent entry then lies at or above the largest sent magnitude or at or
   * below the smallest one, and the attacker may use that.
   */
  band: boolean;
  batchSize: number;
}

export function isSent(v: AttackerView, layer: string, i: number): boolean {
  return v.sent === null || v.sent[layer][i] === 1;
}
