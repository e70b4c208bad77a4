/**
 * Risky misuse (detached and resizable buffers, shared memory, lying subclasses, Proxies, huge
 * counts) runs in a child process per backend (risky_child.js, against dist/), so a crash in
 * native code fails this test instead of killing jest. Also: DGP_BACKEND forcing an unavailable
 * backend is not cleared by a failed setBackend (issue 14, kind 6).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

import { BACKENDS } from './harness';

const root = path.join(__dirname, '..', '..');

function child(args: string[], env: Record<string, string> = {}): { status: number | null; signal: string | null; out: string } {
  const r = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, out: (r.stdout + r.stderr).trim() };
}

/** What each risky case must give (a prefix of 'ok …' or 'ErrorName: message'). */
const EXPECTED: Record<string, string> = {
  'detached values': 'TypeError: dualTopBottomK: values is a Float32Array whose ArrayBuffer is detached',
  'detached out.codes': 'TypeError: dualTopBottomK: out is a Uint8Array whose ArrayBuffer is detached',
  'values detached by a getter read later': 'TypeError: selectLayers: layer 0 values is a Float32Array whose ArrayBuffer is detached',
  "out detached by a later layer's getter": 'TypeError: selectLayers: layer 0 out.codes was detached while the arguments were read',
  'resizable buffer shrunk by a getter': 'RangeError: selectLayers: layer 0: kTop 1 + kBottom 1 exceeds the layer size 0',
  'length-tracking view over a resizable buffer': 'ok Uint8Array:',
  'SharedArrayBuffer values': 'ok [{codes:Uint8Array:',
  'codes over the same SharedArrayBuffer as the values': 'RangeError: dualTopBottomK: layer 0 out.codes overlaps layer 0 values',
  'kTop 2^53': 'RangeError: dualTopBottomK: kTop must be a non-negative integer, got 9007199254740992',
  'kTop 2^32 on a small layer': 'RangeError: dualTopBottomK: kTop 4294967296 + kBottom 0 exceeds the layer size 8',
  'empty layer with zero counts': 'ok [{codes:Uint8Array:,keptIndices:Uint32Array:,keptValues:Float32Array:}]',
  'Float32Array subclass lying about its length': 'ok Uint8Array:0201010100010101',
  'Proxy of a Float32Array into ErrorFeedback': "TypeError: ErrorFeedback.step: grads[0] ('w'): values must be a Float32Array, got a Proxy",
  'Proxy of a Uint8Array into Aggregator.add': 'TypeError: Aggregator.add: bytes must be a Uint8Array, got a Proxy',
  'update indices past the shape into aggregateUpdates': "DgpFormatError: aggregateUpdates: update 0 layer 'w': indices[1] = 4294967295 is >= the layer size 8",
  'positions past the gradient into stepAligned': "RangeError: ErrorFeedback.stepAligned: positions layer 'w' indices must be strictly ascending and < 8",
  'densifyAligned with a shape far larger than maxElements': 'DgpFormatError: densifyAligned: the result needs 4294901760 dense elements',
  'decodeUpdate of a message claiming 2^32-1 layers': 'DgpFormatError: decodeUpdate: CRC-32 mismatch',
};

let cases = 0;
afterAll(() => console.log(`misuse: ${cases} risky (child-process) cases on each of ${BACKENDS.join(', ')}`));

test('risky cases: no crash, the documented outcome, inputs unchanged, backends agree', () => {
  const outcomes = BACKENDS.map((b) => {
    const r = child([path.join(__dirname, 'risky_child.js'), b]);
    if (r.status !== 0) throw new Error(`backend ${b}: the child died (status ${r.status}, signal ${r.signal}): ${r.out.slice(-2000)}`);
    const results = JSON.parse(r.out) as Array<{ case: string; outcome: string; inputsUnchanged: boolean }>;
    expect(results.map((x) => x.case).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const x of results) {
      expect(`${b}: ${x.case}: ${x.outcome.slice(0, EXPECTED[x.case].length)}`).toBe(`${b}: ${x.case}: ${EXPECTED[x.case]}`);
      expect(`${b}: ${x.case}: inputs unchanged ${x.inputsUnchanged}`).toBe(`${b}: ${x.case}: inputs unchanged true`);
    }
    return results;
  });
  for (const o of outcomes) expect(o).toEqual(outcomes[0]);
  cases = Object.keys(EXPECTED).length;
});

test('DGP_BACKEND naming an unavailable backend stays in force after a failed setBackend', () => {
  const code = [
    "const d = require('./dist');",
    "try { d.setBackend('cuda'); console.log('setBackend ok') } catch (e) { console.log('setBackend: ' + e.name) }",
    "try { d.dualTopBottomK(new Float32Array(4), 1, 1); console.log('call ran') } catch (e) { console.log('call: ' + e.name + ': ' + e.message) }",
    "console.log('envError kept: ' + (d.backendInfo().envError !== null));",
    "d.setBackend('ts'); console.log('after a successful setBackend: ' + d.dualTopBottomK(new Float32Array([1, 2, 3]), 1, 1).join(''));",
  ].join('\n');
  const r = child(['-e', code], { DGP_BACKEND: 'cuda' });
  expect(r.status).toBe(0);
  const lines = r.out.split('\n');
  if (lines[0] === 'setBackend ok') return; // a machine where cuda is available: nothing to check
  expect(lines[0]).toBe('setBackend: DgpError');
  expect(lines[1]).toMatch(/^call: DgpError: DGP_BACKEND=cuda: setBackend\('cuda'\): backend unavailable/);
  expect(lines[2]).toBe('envError kept: true');
  expect(lines[3]).toBe('after a successful setBackend: 012');
});
