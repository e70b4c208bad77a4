// Prints the C++ sources binding.gyp compiles (the CPU-only fallback build): every .cc under
// native/core, native/wire, native/privacy, native/addon, plus native/cuda/cuda_absent.cc (no CUDA in this build). Keeps binding.gyp and CMakeLists.txt
// from drifting apart when files are added.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const dirs = ['native/core', 'native/wire', 'native/privacy', 'native/addon'];
const files = [];
for (const d of dirs) {
  const abs = path.join(root, d);
  if (!fs.existsSync(abs)) continue;
  for (const f of fs.readdirSync(abs).sort()) if (f.endsWith('.cc')) files.push(`${d}/${f}`);
}
files.push('native/cuda/cuda_absent.cc');
console.log(files.join(' '));
