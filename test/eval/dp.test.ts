/** The evaluation's DP rows (issue 20, ask 5): the local-noise defense and the DP-FedAvg simulation, on tiny settings. */
import { localDp, localEpsilonPerRound, DP_DELTA } from '../../eval/defenses';
import { makeDpLocalPlan, LOCAL_MULTIPLIERS } from '../../eval/plan';
import { runDpFedAvg, multiplierFor, dpReport, DpFedConfig } from '../../eval/dpfedavg';
import { MODELS, Params } from '../../eval/models';
import { Rng } from '../../eval/rng';
import { loadSplit, subset } from '../../eval/data';
import { ErrorFeedback, dpEpsilon } from '../../src';

const layers = MODELS.mlp.layers;
const grad = (seed: number, scale = 1): Params => {
  const r = new Rng(seed);
  return Object.fromEntries(layers.map((l) => [l.name, Float32Array.from({ length: l.shape.reduce((a, b) => a * b, 1) }, () => scale * (r.next() - 0.5))]));
};
const norm = (p: Params) => Math.sqrt(Object.values(p).reduce((a, v) => a + v.reduce((s, x) => s + x * x, 0), 0));

describe('local-noise defense (ErrorFeedback privacy local)', () => {
  test('ε per round is what privacySpent reports: replace-one, the exact Gaussian curve at z/2', () => {
    const e = localEpsilonPerRound(1, 1);
    // z/2 (replace-one); privacySpent also counts the grid snapping's share of the sensitivity
    // (2 * snappedSensitivity, a factor ~1.0001 here), hence 3 decimals, not 10
    expect(e).toBeCloseTo(dpEpsilon({ noiseMultiplier: 0.5, samplingRate: 1, rounds: 1, delta: DP_DELTA }), 3);
    expect(e).toBeGreaterThan(dpEpsilon({ noiseMultiplier: 0.5, samplingRate: 1, rounds: 1, delta: DP_DELTA }));
    expect(e).toBeCloseTo(9.997, 2); // docs/PRIVACY.md: one round at z = 1 under replace-one
    const d = localDp(2, 0.1);
    expect(d.settings.epsilon).toBe(localEpsilonPerRound(2, 1));
    // before any round a client has spent nothing
    expect(new ErrorFeedback({ topRatio: 0, bottomRatio: 0.5 }, { privacy: { noise: 'local', clipNorm: 1, noiseMultiplier: 2 } }).privacySpent({ delta: 1e-5 }).epsilon).toBe(0);
    expect(d.settings.delta).toBe(1e-5);
  });

  test('dense: every coordinate is the clipped gradient plus noise of sd z·clipNorm; same unsafe seed, same noise', () => {
    const g = grad(1, 1); // norm ≈ 80: clipped to 1
    const d = localDp(0.1, 1);
    const a = d.make(layers, new Rng(5), { round: 0 }).transmit(g);
    const b = d.make(layers, new Rng(5), { round: 0 }).transmit(g);
    expect(a.sent).toBeNull();
    expect(a.band).toBe(false);
    expect(a.bytes).toBe(4 * 79510);
    expect(a.values['fc1/w']).toEqual(b.values['fc1/w']);
    const f = 1 / norm(g);
    const w = a.values['fc1/w'], gw = g['fc1/w'];
    let s2 = 0;
    for (let i = 0; i < w.length; i++) s2 += (w[i] - gw[i] * f) ** 2;
    expect(Math.sqrt(s2 / w.length)).toBeCloseTo(0.1, 2);
    const c = localDp(0.1, 1).make(layers, new Rng(6), { round: 0 }).transmit(g);
    expect(c.values['fc1/w']).not.toEqual(a.values['fc1/w']);
  });

  test('pruned: 10% of each layer sent, noised values (selection after the noise), no band for the attacker', () => {
    const t = localDp(0.01, 0.1).make(layers, new Rng(5), { round: 0 }).transmit(grad(2));
    expect(t.sent).not.toBeNull();
    expect(t.band).toBe(false);
    const sent = t.sent!['fc1/w'].reduce((a, b) => a + b, 0);
    expect(sent).toBe(Math.floor(0.1 * 78400));
    expect(t.bytes).toBeLessThan(4 * 79510 / 7);
  });

  test('the dp-local plan: none and plain pruning (gate and Δ) plus every multiplier dense and pruned, each with ε', () => {
    const p = makeDpLocalPlan();
    expect(p.name).toBe('dp-local');
    expect(p.defenses.map((d) => d.label).slice(0, 2)).toEqual(['none', 'prune keep=0.1']);
    const local = p.defenses.filter((d) => d.defense === 'localdp');
    expect(local).toHaveLength(2 * LOCAL_MULTIPLIERS.length);
    for (const d of local) { expect(d.settings.epsilon).toBeGreaterThan(0); expect(d.settings.delta).toBe(1e-5); }
    expect(p.fedDefenses).toEqual(p.defenses.map((d) => d.label));
  });
});

describe('DP-FedAvg simulation', () => {
  const split = loadSplit(1);
  const train = split.train;
  const small = subset(train, Array.from({ length: 400 }, (_, i) => i));
  const smallTest = subset(split.test, Array.from({ length: 200 }, (_, i) => i));
  const cfg: DpFedConfig = { clients: 50, samplingRate: 0.2, rounds: 4, lr: 2, clipNorm: 1, evalEvery: 2 };

  test('the multiplier meets ε over the whole run, and the run records it', () => {
    const z = multiplierFor(8, cfg);
    expect(dpEpsilon({ noiseMultiplier: z, samplingRate: 0.2, rounds: 4, delta: 1e-5 })).toBeLessThanOrEqual(8);
    const r = runDpFedAvg('prune', 8, 1, cfg, small, smallTest);
    expect(r.noiseMultiplier).toBe(z);
    expect(r.epsilon).toBe(8);
    expect(r.delta).toBe(1e-5);
    expect(r.epsilonSpent!).toBeLessThanOrEqual(8);
    expect(r.rejected).toBe(0); // the clients clip: the Aggregator refuses nothing
    expect(r.curve.map((c) => c[0])).toEqual([2, 4]);
    expect(r.meanClientsPerRound).toBeGreaterThan(4);
    expect(r.meanClientsPerRound).toBeLessThan(16);
    expect(r.bytesPerClient).toBeLessThan(4 * 79510 / 7);
  });

  test('seeded: the same seed gives the same run (unsafe seeds for the noise); non-private differs from private', () => {
    const a = runDpFedAvg('dgp', 2, 3, cfg, small, smallTest);
    const b = runDpFedAvg('dgp', 2, 3, cfg, small, smallTest);
    expect(a.curve).toEqual(b.curve);
    const n = runDpFedAvg('dense', null, 3, cfg, small, smallTest);
    expect(n.noiseMultiplier).toBeNull();
    expect(n.bytesPerClient).toBe(4 * 79510);
    const md = dpReport(cfg, [a, b, n], 'test');
    expect(md).toContain('does not protect');
    expect(md).toContain('| DGP top=0.01 keep=0.1 | 2 |');
  });
});
