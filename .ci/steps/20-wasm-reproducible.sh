#!/usr/bin/env bash
# The committed WebAssembly module (src/backends/wasm/module_bytes.ts) is exactly what `npm run build:wasm`
# builds from this checkout's C++ sources: rebuild it and fail on any byte of difference.
set -euo pipefail
apt-get install -y --no-install-recommends clang-16 lld-16 wasi-libc libc++-16-dev-wasm32 libc++abi-16-dev-wasm32 libclang-rt-16-dev-wasm32 >/dev/null
committed=$(sha256sum src/backends/wasm/module_bytes.ts)
npm run build:wasm
if ! git diff --exit-code -- src/backends/wasm/module_bytes.ts; then
  echo "src/backends/wasm/module_bytes.ts differs from a fresh 'npm run build:wasm' (was: $committed)" >&2
  exit 1
fi
echo "wasm module reproduced byte for byte: $(grep -o "WASM_SHA256 = '[0-9a-f]*'" src/backends/wasm/module_bytes.ts)"
