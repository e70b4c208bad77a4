/**
 * Every JavaScript block of README.md, docs/*.md and eval/README.md runs as written, as a user
 * who copies it into a CommonJS file of a project with tfjs-dgp installed would run it:
 * `require('tfjs-dgp')` resolves to this checkout's built dist/ (the package's self-reference,
 * from the repo root).
 *
 * Fences: ```js / ```javascript / ```cjs run as CommonJS, ```mjs as an ES module. Anything else
 * (```sh, ```text, a bare ```) is not run; a bare fence must not hold JavaScript (label it), and
 * a ```ts fence is refused (write it as a runnable ```js block). A JavaScript block that must
 * not run is preceded by the line `<!-- docs-test: skip (why) -->`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const files = ['README.md', 'eval/README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  skip: boolean;
}

function blocks(file: string): Block[] {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    if (end === lines.length) throw new Error(`${file}:${start + 1}: unclosed code fence`);
    const skip = start > 0 && /^<!-- docs-test: skip\b.*-->\s*$/.test(lines[start - 1]);
    out.push({ file, line: start + 1, lang: open[1], code: lines.slice(start + 1, end).join('\n') + '\n', skip });
    i = end;
  }
  return out;
}

const all = files.flatMap(blocks);
const RUN = new Set(['js', 'javascript', 'cjs', 'mjs']);
const runnable = all.filter((b) => RUN.has(b.lang) && !b.skip);

test('README and docs have JavaScript examples, each run below', () => {
  expect(runnable.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(5);
  expect(runnable.filter((b) => b.file === 'docs/FL.md').length).toBeGreaterThanOrEqual(3);
});

test('no code block hides JavaScript behind a ts fence or no label', () => {
  const bad = all
    .filter((b) => ['ts', 'typescript'].includes(b.lang) || (b.lang === '' && /\brequire\(|^\s*(import|export|const|let|await)\s|=>/m.test(b.code)))
    .map((b) => `${b.file}:${b.line} (\`\`\`${b.lang})`);
  expect(bad).toEqual([]);
});

test.each(runnable.map((b) => [`${b.file}:${b.line}`, b] as const))('%s runs without error', (_where, b) => {
  const args = b.lang === 'mjs' ? ['--input-type=module', '-e', b.code] : ['-e', b.code];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
});
