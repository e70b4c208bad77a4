/**
 * The defenses compared, as per-client transforms of one round's gradient (named float32 layers)
 * into what the wire carries: the values the server receives (dense, 0 where nothing was sent),
 * the positions that were sent (what the attacker sees), and the bytes on the wire.
 *
 * - none: the dense gradient, 4 bytes per parameter.
 * - noise: the dense gradient plus N(0, sigma^2) per coordinate (DP-style, no clipping).
 * - dgp / prune: the package's ErrorFeedback (SPEC §5; selection §1, counts §2) with its error
 *   feedback mode; plain gradient pruning is DGP with topRatio 0 (keep the largest). Bytes are
 *   encodeUpdate(update).byteLength (SPEC §6).
 * - adgp: the package's ADGP (SPEC §8): the broadcaster picks positions from a full aggregate
 *   (chooseAlignedPositions), refreshed by one plain DGP round every ADGP_REFRESH_EVERY rounds;
 *   in between, the client sends values only (ErrorFeedback.stepAligned),
 *   its own top set as +0. Bytes are encodeAligned(upload).byteLength (the broadcast of positions
 *   is a download shared by all clients, not counted). Before the first aggregate exists, clients
 *   send ordinary DGP updates.
 */
import {
  ErrorFeedback, FeedbackMode, encodeUpdate, encodeAligned, encodePositions, decodePositions,
  chooseAlignedPositions, AlignedPositions, DenseLayer, Update,
} from '../src';
import { Params, LayerSpec } from './models';
import { Rng } from './rng';

export type EfMode = FeedbackMode;

export interface Transmission {
  /** what the server adds up: sent values in place, 0 elsewhere */
  values: Params;
  /** 1 where a value was sent (the attacker knows these positions); null = every position */
  sent: Record<string, Uint8Array> | null;
  bytes: number;
  /** the defense sends a magnitude band of each layer (see AttackerView.band) */
  band: boolean;
}

export interface ClientDefense {
  transmit(g: Params): Transmission;
  /** the error-feedback memory as it stands (null: the defense keeps none) */
  memory?(): Params | null;
}

/** State shared by all clients of one run (the ADGP broadcaster). */
export interface Shared {
  positions?: AlignedPositions;
  round: number;
  /** ADGP: aligned rounds since the positions were last chosen from a full (plain DGP) aggregate */
  alignedRounds?: number;
}

/**
 * ADGP refreshes its positions with one plain DGP round (indices sent) every this many rounds.
 * An aligned aggregate is zero off the broadcast positions, so choosing the next positions from
 * it would re-choose nearly the same ones forever (docs/FL.md); the example does the same.
 */
export const ADGP_REFRESH_EVERY = 4;

export interface DefenseSpec {
  /** family: none | noise | prune | randomk | toponly | dgp | dgp+noise | adgp */
  defense: string;
  settings: Record<string, number | string>;
  /** short label for tables and plots */
  label: string;
  make(layers: LayerSpec[], rng: Rng, shared: Shared): ClientDefense;
  /** called by the server with the round's aggregate (ADGP's broadcaster uses it) */
  endRound?(shared: Shared, aggregate: Params, layers: LayerSpec[]): void;
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const denseBytes = (layers: LayerSpec[]) => 4 * layers.reduce((a, l) => a + numel(l.shape), 0);
const toLayers = (layers: LayerSpec[], g: Params): DenseLayer[] => layers.map((l) => ({ name: l.name, shape: l.shape, values: g[l.name] }));

export function noDefense(): DefenseSpec {
  return {
    defense: 'none', settings: {}, label: 'none',
    make: (layers) => ({ transmit: (g) => ({ values: g, sent: null, bytes: denseBytes(layers), band: false }) }),
  };
}

/** Per-layer L2 clip bound for the noise defenses (about the median first-round layer norm, see eval/README.md). */
export const NOISE_CLIP = 1;

/**
 * Clips a layer to L2 norm <= clip (in place) and adds N(0, sigma^2) to every entry listed in
 * `at` (all entries when at is null): the Gaussian mechanism per layer.
 */
export function clipAndNoise(v: Float32Array, clip: number, sigma: number, rng: Rng, at: Uint32Array | null): void {
  let n2 = 0;
  for (let i = 0; i < v.length; i++) n2 += v[i] * v[i];
  const f = Math.sqrt(n2) > clip ? clip / Math.sqrt(n2) : 1;
  if (at) for (const i of at) v[i] = Math.fround(v[i] * f + sigma * rng.normal());
  else for (let i = 0; i < v.length; i++) v[i] = Math.fround(v[i] * f + sigma * rng.normal());
}

/** Dense Gaussian noise: each layer clipped to L2 norm `clip`, then N(0, sigma^2) per entry. */
export function gaussianNoise(sigma: number, clip = NOISE_CLIP): DefenseSpec {
  return {
    defense: 'noise', settings: { sigma, clip }, label: `noise σ=${sigma}`,
    make: (layers, rng) => ({
      transmit: (g) => {
        const values: Params = {};
        for (const l of layers) {
          const v = new Float32Array(g[l.name]);
          clipAndNoise(v, clip, sigma, rng, null);
          values[l.name] = v;
        }
        return { values, sent: null, bytes: denseBytes(layers), band: false };
      },
    }),
  };
}

/**
 * Random-k sparsification: each round every layer sends a fresh uniformly random set of
 * floor(keep * n) positions; error feedback keeps every unsent value (as in the literature).
 */
export function randomK(keep: number): DefenseSpec {
  return {
    defense: 'randomk', settings: { keepRatio: keep }, label: `random-k keep=${keep}`,
    make: (layers, rng) => {
      const mem: Params = {};
      for (const l of layers) mem[l.name] = new Float32Array(numel(l.shape));
      return {
        memory: () => mem,
        transmit: (g) => {
          const update: Update = { round: 0, layers: [] };
          const values: Params = {};
          const sent: Record<string, Uint8Array> = {};
          for (const l of layers) {
            const n = numel(l.shape);
            const k = Math.min(n, Math.floor(keep * n + 1e-6));
            const p = new Float32Array(n);
            const gl = g[l.name], e = mem[l.name];
            for (let i = 0; i < n; i++) p[i] = Math.fround(gl[i] + e[i]);
            // partial Fisher-Yates: the first k of a random permutation
            const perm = new Uint32Array(n);
            for (let i = 0; i < n; i++) perm[i] = i;
            for (let i = 0; i < k; i++) { const j = i + rng.int(n - i); const t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
            const idx = perm.slice(0, k).sort();
            const v = new Float32Array(n); const s = new Uint8Array(n);
            e.set(p);
            for (const i of idx) { v[i] = p[i]; s[i] = 1; e[i] = 0; }
            values[l.name] = v; sent[l.name] = s;
            update.layers.push({ name: l.name, shape: l.shape, indices: idx, values: Float32Array.from(idx, (i) => p[i]) });
          }
          return { values, sent, bytes: encodeUpdate(update).byteLength, band: false };
        },
      };
    },
  };
}

function sparseTransmission(layers: LayerSpec[], ef: ErrorFeedback, g: Params, noise?: { sigma: number; clip: number; rng: Rng }, band = !noise): Transmission {
  const update = ef.step(toLayers(layers, g));
  const values: Params = {};
  const sent: Record<string, Uint8Array> = {};
  update.layers.forEach((u, li) => {
    const n = numel(layers[li].shape);
    if (noise) clipAndNoise(u.values, noise.clip, noise.sigma, noise.rng, null);
    const v = new Float32Array(n); const s = new Uint8Array(n);
    u.indices.forEach((i, j) => { v[i] = u.values[j]; s[i] = 1; });
    values[u.name] = v; sent[u.name] = s;
  });
  return { values, sent, bytes: encodeUpdate(update).byteLength, band };
}

const efMemory = (fb: ErrorFeedback) => () => Object.fromEntries(fb.memory().map((l) => [l.name, l.values]));

/**
 * DGP (topRatio > 0), plain pruning (topRatio = 0) or top withholding only (bottomRatio = 0),
 * with the package's error feedback.
 */
export function dgp(topRatio: number, bottomRatio: number, ef: EfMode = 'bottom'): DefenseSpec {
  const plain = topRatio === 0;
  const topOnly = bottomRatio === 0;
  const keep = +(1 - topRatio - bottomRatio).toFixed(6);
  const efTag = ef === 'bottom' ? '' : ` ef=${ef}`;
  return {
    defense: plain ? 'prune' : topOnly ? 'toponly' : 'dgp',
    settings: { topRatio, bottomRatio, keepRatio: keep, ef },
    label: (plain ? `prune keep=${keep}` : topOnly ? `top-withhold top=${topRatio}` : `DGP top=${topRatio} keep=${keep}`) + efTag,
    make: (layers) => {
      const fb = new ErrorFeedback({ topRatio, bottomRatio }, { mode: ef });
      return { transmit: (g) => sparseTransmission(layers, fb, g), memory: efMemory(fb) };
    },
  };
}

/**
 * DGP, then the Gaussian mechanism on what is sent: each layer's sent values clipped to L2 norm
 * `clip`, then N(0, sigma^2) added to each sent value. Memory is as in plain DGP (noise-free).
 */
export function dgpNoise(topRatio: number, bottomRatio: number, sigma: number, clip = NOISE_CLIP): DefenseSpec {
  const keep = +(1 - topRatio - bottomRatio).toFixed(6);
  return {
    defense: 'dgp+noise',
    settings: { topRatio, bottomRatio, keepRatio: keep, ef: 'bottom', sigma, clip },
    label: `${topRatio === 0 ? 'prune' : `DGP top=${topRatio}`} keep=${keep} + noise σ=${sigma}`,
    make: (layers, rng) => {
      const fb = new ErrorFeedback({ topRatio, bottomRatio }, { mode: 'bottom' });
      return { transmit: (g) => sparseTransmission(layers, fb, g, { sigma, clip, rng }), memory: efMemory(fb) };
    },
  };
}

/** δ at which every DP row reports its ε (issue 20, ask 5). */
export const DP_DELTA = 1e-5;

/** The L2 bound (over all layers together) the local-noise rows clip each round's p to. */
export const LOCAL_CLIP = 1;

/**
 * The ε one round of the product's local mode spends at δ, as the product reports it: a throwaway
 * ErrorFeedback with the same privacy options takes one step (on zeros) and is asked
 * privacySpent() (replace-one neighbours, sensitivity 2·clipNorm, no sampling; docs/PRIVACY.md).
 */
export function localEpsilonPerRound(noiseMultiplier: number, clipNorm: number, delta = DP_DELTA): number {
  const fb = new ErrorFeedback({ topRatio: 0, bottomRatio: 0.5 }, { privacy: { noise: 'local', clipNorm, noiseMultiplier, unsafeSeed: 0 } });
  fb.step([{ name: 'w', shape: [100], values: new Float32Array(100) }]);
  return fb.privacySpent({ delta }).epsilon;
}

/**
 * The product's local noise (SPEC §11; ErrorFeedback options.privacy { noise: 'local' }): every
 * round p = g + e is clipped over all layers to clipNorm, noise of standard deviation
 * noiseMultiplier · clipNorm goes on every coordinate, and only then does the selection run (on
 * the noised vector). keep = 1: the whole noised vector is sent dense (4 B/parameter; the
 * ErrorFeedback selects nothing away). keep < 1: plain top-k pruning of the noised vector with error
 * feedback (memory from the clipped, un-noised p, as the product keeps it). The noise's generator is
 * the product's, fixed per client through its `unsafeSeed` option (evaluation only). The magnitude
 * band is not given to the attacker: it holds for the noised vector, not the gradient.
 */
export function localDp(noiseMultiplier: number, keep = 1, clipNorm = LOCAL_CLIP, topRatio = 0): DefenseSpec {
  const bottomRatio = +(1 - keep - topRatio).toFixed(6);
  const epsilon = localEpsilonPerRound(noiseMultiplier, clipNorm);
  const sel = keep === 1 ? 'dense' : topRatio === 0 ? `prune keep=${keep}` : `DGP top=${topRatio} keep=${keep}`;
  return {
    defense: 'localdp',
    settings: { noise: 'local', noiseMultiplier, clipNorm, topRatio, bottomRatio, keepRatio: keep, ef: 'bottom', epsilon, delta: DP_DELTA, epsilonRounds: 1 },
    label: `local DP z=${noiseMultiplier} ${sel}`,
    make: (layers, rng) => {
      const fb = new ErrorFeedback({ topRatio, bottomRatio }, { mode: 'bottom', privacy: { noise: 'local', clipNorm, noiseMultiplier, unsafeSeed: rng.int(2 ** 31) } });
      return {
        memory: efMemory(fb),
        transmit: (g) => {
          const t = sparseTransmission(layers, fb, g, undefined, false);
          return keep === 1 ? { values: t.values, sent: null, bytes: denseBytes(layers), band: false } : t;
        },
      };
    },
  };
}

export function adgp(topRatio: number, bottomRatio: number, ef: EfMode = 'bottom'): DefenseSpec {
  const keep = +(1 - topRatio - bottomRatio).toFixed(6);
  return {
    defense: 'adgp',
    settings: { topRatio, bottomRatio, keepRatio: keep, ef },
    label: `ADGP top=${topRatio} keep=${keep}${ef === 'bottom' ? '' : ` ef=${ef}`}`,
    make: (layers, _rng, shared) => {
      const fb = new ErrorFeedback({ topRatio, bottomRatio }, { mode: ef });
      return {
        memory: efMemory(fb),
        transmit: (g) => {
          if (!shared.positions || (shared.alignedRounds ?? 0) >= ADGP_REFRESH_EVERY - 1) {
            return sparseTransmission(layers, fb, g);
          }
          const up = fb.stepAligned(toLayers(layers, g), shared.positions);
          const values: Params = {};
          const sent: Record<string, Uint8Array> = {};
          shared.positions.layers.forEach((p, li) => {
            const n = numel(layers[li].shape);
            const v = new Float32Array(n); const s = new Uint8Array(n);
            const uv = up.layers[li].values;
            // A +0 at a broadcast position is the client's withheld top set (or a true zero): the
            // attacker treats it as unknown.
            p.indices.forEach((i, j) => { v[i] = uv[j]; s[i] = uv[j] === 0 ? 0 : 1; });
            values[p.name] = v; sent[p.name] = s;
          });
          return { values, sent, bytes: encodeAligned(up).byteLength, band: false };
        },
      };
    },
    endRound: (shared, aggregate, layers) => {
      const refresh = !shared.positions || (shared.alignedRounds ?? 0) >= ADGP_REFRESH_EVERY - 1;
      if (!refresh) {
        shared.alignedRounds = (shared.alignedRounds ?? 0) + 1;
        return;
      }
      // This round was a plain DGP round: its aggregate covers every position.
      const pos = chooseAlignedPositions(toLayers(layers, aggregate), { topRatio, bottomRatio }, shared.round);
      shared.positions = decodePositions(encodePositions(pos));
      shared.alignedRounds = 0;
    },
  };
}
