/** The README's JavaScript examples run as written (against the built dist/ via self-reference). */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has JavaScript examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(2);
});

test.each(blocks.map((code, i) => [i, code]))('README example %i runs without error', (_i, code) => {
  const r = spawnSync(process.execPath, ['-e', code as string], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
});
