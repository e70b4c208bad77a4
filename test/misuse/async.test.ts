/**
 * Misuse of the async twins (dgpMaskAsync, dgpPruneAsync, dgpPruneGradientsAsync,
 * ErrorFeedback.stepAsync): each bad call rejects with the same class and message as its sync
 * twin (the call's name aside), leaks no tensor and changes no state, on every backend; two
 * overlapping stepAsync calls never both apply. Runs once the async ops exist (it skips itself
 * before they land, as the backends list grows with wasm).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import * as api from '../../src';
import { BACKENDS, digest } from './harness';

type Fn = (...args: unknown[]) => unknown;
const ops = api as unknown as Record<string, Fn>;
const hasAsync = typeof ops.dgpMaskAsync === 'function' && typeof (api.ErrorFeedback.prototype as unknown as Record<string, unknown>).stepAsync === 'function';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ramp = (n: number, nanAt = -1) => {
  const a = Float32Array.from({ length: n }, (_, i) => ((i * 37) % n) - n / 2 + 0.25);
  if (nanAt >= 0) a[nanAt] = NaN;
  return a;
};
const cfg = { kTop: 1, kBottom: 1 };

function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}
async function outcomeAsync(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

/** Bad first arguments (and configs) shared by the three ops. */
const BAD: Array<[string, () => [unknown, unknown]]> = [
  ['ragged TensorLike', () => [[[1, 2], [3]], cfg]],
  ['a Map', () => [new Map(), cfg]],
  ['a string config', () => [ramp(6), 'topRatio']],
  ['a negative kTop', () => [ramp(6), { kTop: -1, kBottom: 0 }]],
  ['a NaN', () => [ramp(6, 3), cfg]],
];

(hasAsync ? describe : describe.skip)('async twins', () => {
  for (const backend of BACKENDS)
    test(`reject like the sync ones, leak nothing, change nothing (${backend})`, async () => {
      api.setBackend(backend);
      try {
        for (const [sync, asyncName] of [['dgpMask', 'dgpMaskAsync'], ['dgpPrune', 'dgpPruneAsync']]) {
          for (const [what, make] of BAD) {
            const [x, c] = make();
            const want = outcome(() => ops[sync](x, c)).replace(`${sync}:`, `${asyncName}:`);
            const tensors = tf.memory().numTensors;
            const got = await outcomeAsync(() => ops[asyncName](...make()) as Promise<unknown>);
            expect(`${asyncName}, ${what}: ${got}`).toBe(`${asyncName}, ${what}: ${want}`);
            expect(got).not.toBe('ok');
            expect(tf.memory().numTensors).toBe(tensors);
          }
        }
        const grads = () => ({ a: tf.tensor(ramp(6)), b: tf.tensor(ramp(6, 2)) });
        const g1 = grads();
        const want = outcome(() => ops.dgpPruneGradients(g1, cfg)).replace('dgpPruneGradients:', 'dgpPruneGradientsAsync:');
        const tensors = tf.memory().numTensors;
        expect(await outcomeAsync(() => ops.dgpPruneGradientsAsync(g1, cfg) as Promise<unknown>)).toBe(want);
        expect(tf.memory().numTensors).toBe(tensors);
        tf.dispose(Object.values(g1));

        const ef = new api.ErrorFeedback(cfg);
        const ef2 = ef as unknown as { stepAsync: (g: unknown, r?: unknown) => Promise<api.Update> };
        await ef2.stepAsync([{ name: 'w', shape: [6], values: ramp(6) }]);
        const before = digest(ef);
        for (const bad of [new Map(), { w: [[1, 2], [3]] }, [{ name: 'w', shape: [6], values: ramp(6, 1) }], [{ name: '\uD800', shape: [6], values: ramp(6) }]]) {
          const got = await outcomeAsync(() => ef2.stepAsync(bad));
          expect(got).toBe(outcome(() => ef.step(bad as never)).replace('ErrorFeedback.step:', 'ErrorFeedback.stepAsync:'));
          expect(digest(ef)).toBe(before);
        }
        expect(await outcomeAsync(() => ef2.stepAsync([{ name: 'w', shape: [6], values: ramp(6) }], -1))).toMatch(/^RangeError: ErrorFeedback.stepAsync: round/);
        expect(digest(ef)).toBe(before);
      } finally {
        api.setBackend('auto');
      }
    });

  for (const backend of BACKENDS)
    test(`overlapping stepAsync calls never both apply (${backend})`, async () => {
      api.setBackend(backend);
      try {
        const g = () => [{ name: 'w', shape: [64], values: ramp(64) }];
        const ef = new api.ErrorFeedback(cfg) as api.ErrorFeedback & { stepAsync: (g: unknown) => Promise<api.Update> };
        const results = await Promise.allSettled([ef.stepAsync(g()), ef.stepAsync(g()), Promise.resolve().then(() => ef.step(g()))]);
        const applied = results.filter((r) => r.status === 'fulfilled').length;
        for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).name).toBe('DgpError');
        // Memory and round count are those of exactly `applied` sync steps.
        const ref = new api.ErrorFeedback(cfg);
        for (let i = 0; i < applied; i++) ref.step(g());
        expect(ef.completedRounds).toBe(applied);
        expect(digest(ef.memory())).toBe(digest(ref.memory()));
      } finally {
        api.setBackend('auto');
      }
    });
});

