// Not a test: measures what the finiteness pre-pass of selectLayers (caller-owned outputs, more
// than one layer, native backend) costs next to the selection. Run: npm run build:ts && node test/misuse/precheck_cost.js
'use strict';
const path = require('path');
const d = require(path.join(__dirname, '..', '..', 'dist'));
const { kernelsFor } = require(path.join(__dirname, '..', '..', 'dist', 'backend'));
d.setBackend('native');
const n = 1e7, v = new Float32Array(n);
for (let i = 0; i < n; i++) v[i] = Math.sin(i) * Math.exp((i % 97) / 20);
const k = kernelsFor(n);
const codes = new Uint8Array(n);
const kTop = n / 100, kBottom = 0.8 * n;
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const check = [], sel = [];
for (let r = 0; r < 11; r++) {
  let t = process.hrtime.bigint(); k.firstNonFinite(v); check.push(Number(process.hrtime.bigint() - t) / n);
  t = process.hrtime.bigint(); d.selectLayers([{ values: v, kTop, kBottom, out: { codes } }], { codes: true }); sel.push(Number(process.hrtime.bigint() - t) / n);
}
console.log(`kernel ${d.getBackend()}: finiteness pass median ${med(check).toFixed(3)} ns/elem, selection (codes, caller out, 1 layer) median ${med(sel).toFixed(3)} ns/elem, ratio ${(med(check) / med(sel)).toFixed(3)}`);
