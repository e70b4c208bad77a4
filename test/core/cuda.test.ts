/**
 * CUDA equivalence through the JS stack. The check itself is test/gpu/cuda_check.js (plain JS, so
 * it also runs on GPU machines without dev dependencies); here it prints "skipped: no CUDA
 * device: <reason>" where there is none, and must find no mismatch where there is one.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

test('cuda backend equals native and ts bit for bit (or reports why it is skipped)', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'gpu', 'cuda_check.js')], { encoding: 'utf8' });
  const out = (r.stdout + r.stderr).trim();
  if (out.startsWith('skipped:')) console.log(`cuda equivalence ${out}`);
  expect({ status: r.status, out: r.status === 0 ? 'ok' : out }).toEqual({ status: 0, out: 'ok' });
  expect(out).toMatch(/^skipped: no CUDA device: .+|0 mismatches$/m);
});
