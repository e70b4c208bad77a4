/** ADGP (SPEC §8): positions, aligned client step, values-only aggregate; sizes against DGP. */
import {
  aggregateAligned, aggregateUpdates, chooseAlignedPositions, decodeAligned, decodePositions, decodeUpdate, DenseLayer,
  densifyAligned, DgpFormatError, encodeAligned, encodePositions, encodeUpdate, ErrorFeedback, sparseFromDense,
} from '../../src/fl';
import { dualTopBottomK } from '../../src/select';
import { BACKENDS, gradient, onBackend, sameBits } from './helpers';

// A small CNN-like model (about 0.2M parameters).
const SHAPES: Array<[string, number[]]> = [
  ['conv1/kernel', [3, 3, 3, 32]], ['conv1/bias', [32]], ['conv2/kernel', [3, 3, 32, 64]], ['conv2/bias', [64]],
  ['dense/kernel', [1024, 160]], ['dense/bias', [160]],
];
const CONFIG = { topRatio: 0.01, bottomRatio: 0.9 };
const CLIENTS = 8;

function grads(client: number, round: number): DenseLayer[] {
  return SHAPES.map(([name, shape], i) => ({ name, shape, values: gradient(shape.reduce((a, b) => a * b, 1), client * 1000 + round * 10 + i) }));
}

describe.each(BACKENDS)('ADGP on %s', (backend) => {
  test('a client withholds its own top set, sends p on the positions, and memory keeps the rest', () => {
    onBackend(backend, () => {
      const ref = grads(99, 0);
      const positions = decodePositions(encodePositions(chooseAlignedPositions(ref, CONFIG, 1)));
      const ef = new ErrorFeedback(CONFIG);
      const g = grads(0, 1);
      const upload = ef.stepAligned(g, positions, 1);
      expect(upload.positionsId).toBe(positions.id);
      const memory = ef.memory();
      g.forEach((layer, li) => {
        const n = layer.values.length;
        const codes = dualTopBottomK(layer.values, Math.floor(0.01 * n + 1e-6), Math.floor(0.9 * n + 1e-6)); // p = g in round 0
        const pos = positions.layers[li].indices;
        const sent = new Float32Array(n);
        const v = upload.layers[li].values;
        pos.forEach((i, j) => {
          expect(v[j]).toBe(codes[i] === 2 ? 0 : layer.values[i]); // own top withheld as +0
          sent[i] = v[j];
        });
        const onPos = new Uint8Array(n);
        pos.forEach((i) => (onPos[i] = 1));
        for (let i = 0; i < n; i++) {
          const kept = codes[i] !== 2 && !onPos[i]; // 'bottom': everything not sent and not own-top
          expect(memory[li].values[i]).toBe(kept ? layer.values[i] : 0);
          expect(Math.fround(sent[i] + memory[li].values[i] + (codes[i] === 2 ? layer.values[i] : 0))).toBe(layer.values[i]);
        }
      });
    });
  });

  test('server aggregate on the positions equals the dense aggregate restricted to them', () => {
    onBackend(backend, () => {
      const positions = decodePositions(encodePositions(chooseAlignedPositions(grads(99, 0), CONFIG, 1)));
      const uploads = Array.from({ length: 3 }, (_, c) => decodeAligned(encodeAligned(new ErrorFeedback(CONFIG).stepAligned(grads(c, 1), positions, 1))));
      const download = decodeAligned(encodeAligned(aggregateAligned(uploads, positions, { reduce: 'mean' })));
      const dense = densifyAligned(download, positions, { maxElements: 1e7 });
      const asUpdates = uploads.map((u) => ({
        round: 1,
        layers: positions.layers.map((p, i) => ({ name: p.name, shape: p.shape, indices: p.indices, values: u.layers[i].values })),
      }));
      const viaUpdates = aggregateUpdates(asUpdates, { reduce: 'mean', maxElements: 1e7 });
      dense.forEach((l, i) => expect(sameBits(l.values, viaUpdates[i].values)).toBe(true));
      // Uploads made for other positions are refused.
      const other = { ...uploads[0], positionsId: (positions.id! + 1) >>> 0 };
      expect(() => aggregateAligned([uploads[1], other], positions)).toThrow(DgpFormatError);
      expect(() => aggregateAligned([uploads[1], other], positions)).toThrow(/upload 1 was made for positions/);
      const short = { ...uploads[0], layers: uploads[0].layers.map((l, i) => (i === 2 ? { ...l, values: l.values.subarray(1) } : l)) };
      expect(() => aggregateAligned([short], positions)).toThrow(/upload 0 layer 'conv2\/kernel' has \d+ values for \d+ positions/);
      expect(() => densifyAligned(download, positions, { maxElements: 100 })).toThrow(/more than options.maxElements = 100/);
    });
  });
});

test('upload and download sizes: ADGP against plain DGP on the same gradients (8 clients, 1% / 90%)', () => {
  const positions = decodePositions(encodePositions(chooseAlignedPositions(grads(99, 0), CONFIG, 1)));
  const dgpUp: Uint8Array[] = [];
  const adgpUp: Uint8Array[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    dgpUp.push(encodeUpdate(new ErrorFeedback(CONFIG).step(grads(c, 1), 1)));
    adgpUp.push(encodeAligned(new ErrorFeedback(CONFIG).stepAligned(grads(c, 1), positions, 1)));
  }
  const total = SHAPES.reduce((s, [, shape]) => s + shape.reduce((a, b) => a * b, 1), 0);
  const dgpAgg = aggregateUpdates(dgpUp.map(decodeUpdate), { reduce: 'mean', maxElements: 1e7 });
  const dgpDown = encodeUpdate(sparseFromDense(dgpAgg, 1)).length;
  const adgpDown = encodeAligned(aggregateAligned(adgpUp.map(decodeAligned), positions, { reduce: 'mean' })).length;
  const up = (xs: Uint8Array[]) => xs.reduce((s, x) => s + x.length, 0) / xs.length;
  const broadcast = encodePositions(positions).length;
  // eslint-disable-next-line no-console
  console.log(
    `sizes for ${total} parameters (dense float32 ${4 * total} B), ${CLIENTS} clients:\n` +
      `  upload per client: DGP ${up(dgpUp).toFixed(0)} B, ADGP ${up(adgpUp).toFixed(0)} B\n` +
      `  download: DGP ${dgpDown} B, ADGP ${adgpDown} B (+ positions broadcast ${broadcast} B)`,
  );
  // Values-only: no index block in the upload; one value per position in the download.
  expect(up(adgpUp)).toBeLessThan(0.85 * up(dgpUp));
  expect(adgpDown).toBeLessThan(0.3 * dgpDown);
  expect(adgpDown + broadcast).toBeLessThan(dgpDown);
});
