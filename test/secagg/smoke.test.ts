import { setup, runRound, expectedSum } from './harness';

test('smoke', async () => {
  const r = setup({ round: 3, length: 37, threshold: 2, clients: 3 });
  const sum = await runRound(r);
  expect(Array.from(sum)).toEqual(Array.from(expectedSum(r, [0, 1, 2], 37)));
});
test('smoke drop at masked', async () => {
  const r = setup({ round: 3, length: 37, threshold: 3, clients: 5 });
  const sum = await runRound(r, [new Set(), new Set([4]), new Set([1]), new Set()]);
  expect(r.server.survivors).toEqual([0, 2, 3]);
  expect(Array.from(sum)).toEqual(Array.from(expectedSum(r, [0, 2, 3], 37)));
});
