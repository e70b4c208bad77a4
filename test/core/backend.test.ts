/** Backend choice (SPEC §9): setBackend/getBackend/backendInfo, DGP_BACKEND, import never throws. */
import { spawnSync } from 'child_process';
import * as path from 'path';

import { backendInfo, DgpError, getBackend, setBackend, dualTopBottomK } from '../../src';

const root = path.join(__dirname, '..', '..');

function runWithEnv(env: Record<string, string>, code: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['-e', code], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, out: (r.stdout + r.stderr).trim() };
}

afterEach(() => setBackend('auto'));

test('backendInfo reports every backend, why one is unavailable, threads and SIMD level', () => {
  const info = backendInfo();
  expect(info.available.ts).toBe(true);
  expect(Object.keys(info.available).sort()).toEqual(['cuda', 'native', 'ts', 'wasm']);
  // The wasm module ships inside the package: it must load wherever the tests run.
  expect(info.available.wasm).toBe(true);
  expect(info.wasm).toMatchObject({ loaded: true, error: null, simd: 'simd128', threads: 1 });
  expect(info.wasm.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(info.wasm.bytes).toBeGreaterThan(1000);
  for (const [name, ok] of Object.entries(info.available)) {
    if (!ok) expect(info.unavailable[name as 'cuda']).toMatch(/\S/);
  }
  if (info.available.native) {
    expect(info.native!.threads).toBeGreaterThan(0);
    expect(info.native!.simd).toMatch(/avx512|avx2|sse2|neon|scalar/);
    expect(info.native!.path).toMatch(/tfjs_dgp\.node$/);
  }
});

test('setBackend forces a backend, returns to auto, and explains an unavailable one', () => {
  setBackend('ts');
  expect(getBackend()).toBe('ts');
  expect(backendInfo().forced).toBe(true);
  setBackend('auto');
  expect(backendInfo().forced).toBe(false);
  const info = backendInfo();
  if (!info.available.cuda) {
    expect(() => setBackend('cuda')).toThrow(DgpError);
    expect(() => setBackend('cuda')).toThrow(/setBackend\('cuda'\): backend unavailable: .+/);
  }
  expect(() => setBackend('gpu' as never)).toThrow(new RangeError("setBackend: name must be one of 'cuda', 'native', 'wasm', 'ts' or 'auto', got \"gpu\""));
});

test('DGP_BACKEND=ts forces the TypeScript backend at import', () => {
  const r = runWithEnv({ DGP_BACKEND: 'ts' }, "const d=require('./dist'); console.log(d.getBackend(), d.dualTopBottomK(new Float32Array([1,2,3]),1,1).join(''))");
  expect(r).toEqual({ status: 0, out: 'ts 012' });
});

test('DGP_BACKEND=wasm forces the WebAssembly backend at import', () => {
  const r = runWithEnv({ DGP_BACKEND: 'wasm' }, "const d=require('./dist'); console.log(d.getBackend(), d.dualTopBottomK(new Float32Array([1,2,3]),1,1).join(''))");
  expect(r).toEqual({ status: 0, out: 'wasm 012' });
});

test('an unavailable DGP_BACKEND never breaks the import; calls then say why', () => {
  const r = runWithEnv(
    { DGP_BACKEND: 'cuda', DGP_NATIVE_PATH: '/nonexistent/x.node' },
    "const d=require('./dist'); console.log('imported'); try { d.dualTopBottomK(new Float32Array(1),0,0) } catch (e) { console.log(e.name + ': ' + e.message) }",
  );
  expect(r.status).toBe(0);
  expect(r.out).toMatch(/^imported\nDgpError: DGP_BACKEND=cuda: setBackend\('cuda'\): backend unavailable/);
});

test('a missing addon falls back to the wasm backend (SPEC §9 order: cuda, native, wasm, ts)', () => {
  const r = runWithEnv(
    { DGP_NATIVE_PATH: '/nonexistent/x.node' },
    "const d=require('./dist'); const i=d.backendInfo(); console.log(i.backend, i.available.native)",
  );
  // The package's own build/ is still found after the explicit path; when it is absent the
  // backend is 'wasm' (the embedded module). Either way the import works.
  expect(r.status).toBe(0);
  expect(r.out).toMatch(/^(native true|wasm false)$/);
});

test('dualTopBottomK works under every available backend', () => {
  for (const [name, ok] of Object.entries(backendInfo().available)) {
    if (!ok) continue;
    setBackend(name as 'ts');
    expect(Array.from(dualTopBottomK(new Float32Array([0.5, -2, 0, 1]), 1, 2))).toEqual([0, 2, 0, 1]);
  }
});
