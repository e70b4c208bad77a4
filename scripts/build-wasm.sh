#!/usr/bin/env bash
# Builds the WebAssembly module (the 'wasm' backend) from native/core and native/wire and embeds
# it in src/backends/wasm/module_bytes.ts, which is committed so installs need no compiler.
#   npm run build:wasm        (needs Debian's clang-16, lld-16, wasi-libc, libc++-16-dev-wasm32)
# The build is deterministic: fixed flags, no debug info, source paths mapped to '.', symbols
# stripped; .ci/steps/wasm-reproducible.sh checks that a fresh build matches the committed file.
set -euo pipefail
cd "$(dirname "$0")/.."

CXX=${DGP_WASM_CXX:-clang++-16}
LD=${DGP_WASM_LD:-wasm-ld-16}
SYSROOT=/usr
LIBDIR=$SYSROOT/lib/wasm32-wasi
BUILTINS=$("$CXX" --target=wasm32-wasi -print-libgcc-file-name)
OUT=build-wasm
mkdir -p "$OUT"

# -DDGP_SINGLE_THREADED: thread_pool.h runs loops inline (wasi libc++ has no threads).
# -D_LIBCPP_NO_EXCEPTIONS: libc++ checks trap instead of throwing (no wasm exception handling);
#   the kernel's own catch (bad_alloc) is then never entered, and an allocation failure traps.
CXXFLAGS=(--target=wasm32-wasi --sysroot=$SYSROOT -isystem $SYSROOT/include/wasm32-wasi/c++/v1
  -std=c++17 -O3 -ffp-contract=off -msimd128 -DDGP_SINGLE_THREADED -D_LIBCPP_NO_EXCEPTIONS
  -fno-threadsafe-statics -fno-math-errno -fvisibility=hidden
  -ffile-prefix-map="$PWD"=. -fdebug-prefix-map="$PWD"=.)

# Every file of native/wire and native/privacy (a kernel file added there joins the module), in a
# fixed order (LC_ALL=C globs sort bytewise).
export LC_ALL=C
SOURCES=(native/core/dual_select.cc native/core/bracket_select.cc native/wire/*.cc native/privacy/*.cc native/wasm/exports.cc)
OBJECTS=()
for src in "${SOURCES[@]}"; do
  obj="$OUT/$(basename "$src" .cc).o"
  "$CXX" "${CXXFLAGS[@]}" -c "$src" -o "$obj"
  OBJECTS+=("$obj")
done

# Reactor: no main; _initialize runs static constructors (the CRC tables). 1 MiB stack; memory
# may grow to the wasm32 limit of 4 GiB.
"$LD" -o "$OUT/dgp.wasm" --no-entry --strip-all --gc-sections \
  -z stack-size=1048576 --initial-memory=2097152 --max-memory=4294967296 \
  "$LIBDIR/crt1-reactor.o" "${OBJECTS[@]}" \
  -L"$LIBDIR" -lc++ -lc++abi -lc "$BUILTINS"

node scripts/embed-wasm.js "$OUT/dgp.wasm" src/backends/wasm/module_bytes.ts
