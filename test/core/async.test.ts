/** selectLayersAsync: the same bits as selectLayers on every backend, and the same errors. */
import { backendInfo, BackendName } from '../../src/backend';
import { selectLayers, selectLayersAsync } from '../../src/select';
import { rng, sameBits } from '../helpers/reference';

const backends = (Object.entries(backendInfo().available) as Array<[BackendName, boolean]>)
  .filter(([name, ok]) => ok && name !== 'cuda')
  .map(([name]) => name);

function layer(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return new Float32Array(n).map(() => (r() < 0.05 ? 0.25 : r() - 0.5));
}

test.each(backends)('%s: selectLayersAsync gives the bits of selectLayers', async (backend) => {
  const layers = [layer(1000, 1), layer(7, 2), layer(0, 3), layer(100003, 4)].map((values, i) => ({
    name: `l${i}`, values, kTop: Math.floor(values.length / 50), kBottom: Math.floor(values.length * 0.6),
  }));
  const want = { codes: true, pruned: true, sparse: true };
  const sync = selectLayers(layers, want, 'test', backend);
  const async = await selectLayersAsync(layers, want, 'test', backend);
  async.forEach((o, i) => {
    expect(o.codes).toEqual(sync[i].codes);
    expect(sameBits(o.pruned!, sync[i].pruned!)).toBe(true);
    expect(o.keptIndices).toEqual(sync[i].keptIndices);
    expect(sameBits(o.keptValues!, sync[i].keptValues!)).toBe(true);
  });
});

test.each(backends)('%s: a NaN rejects with the RangeError of the sync call', async (backend) => {
  const values = layer(5000, 5);
  values[4321] = NaN;
  const layers = [{ name: 'ok', values: layer(10, 6), kTop: 1, kBottom: 2 }, { name: 'bad', values, kTop: 10, kBottom: 100 }];
  const message = "test: layer 'bad' holds NaN at index 4321; gradients must be finite";
  expect(() => selectLayers(layers, { codes: true }, 'test', backend)).toThrow(message);
  await expect(selectLayersAsync(layers, { codes: true }, 'test', backend)).rejects.toThrow(message);
});
