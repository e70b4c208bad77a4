/** Data types of the federated-learning layer (docs/FL.md). Plain objects: no tensors inside. */

/** One layer of a client's round update: the sparse kept set (SPEC §4) with name and shape. */
export interface UpdateLayer {
  name: string;
  shape: number[];
  /** Ascending flat (row-major) indices, each < the shape's element count. */
  indices: Uint32Array;
  /** The values at `indices` (finite float32). */
  values: Float32Array;
}

/** One client's update for one round: what encodeUpdate() writes and decodeUpdate() returns. */
export interface Update {
  /** Round number (u32) the update belongs to. */
  round: number;
  layers: UpdateLayer[];
}

/** A dense float32 layer: a core type (src/layers.ts), named here too for the FL layer's users. */
export type { DenseLayer } from '../layers';

/** ADGP broadcast (SPEC §8): per layer, the positions every client sends values for. */
export interface AlignedPositions {
  round: number;
  layers: Array<{ name: string; shape: number[]; indices: Uint32Array }>;
  /**
   * The CRC-32 of the encoded broadcast (its trailer). Set by decodePositions(); aligned
   * uploads carry it, so values are never applied to the wrong positions.
   */
  id?: number;
}

/** ADGP values-only message (a client's upload or the server's download). */
export interface AlignedValues {
  round: number;
  /** The `id` of the AlignedPositions these values sit on. */
  positionsId: number;
  /** values[j] belongs to the position indices[j] of the same-named positions layer. */
  layers: Array<{ name: string; values: Float32Array }>;
}

/** How aggregation combines updates: a plain sum or a weighted mean (docs/FL.md). */
export interface AggregateOptions {
  /** 'sum' (default) or 'mean' (weighted by `weights`, default equal weights). */
  reduce?: 'sum' | 'mean';
  /** One finite, non-negative weight per update (mean only); their sum must be positive. */
  weights?: number[];
}

/** An explicit bound on the dense elements a call may allocate (untrusted sizes, SPEC §6). */
export interface ElementLimit {
  maxElements: number;
}
