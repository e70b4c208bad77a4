#!/usr/bin/env bash
# The native C++ suite built with AddressSanitizer + UndefinedBehaviorSanitizer (clang-16, CPU
# only) and run: any out-of-bounds access, leak or undefined behaviour fails CI.
set -euo pipefail
apt-get install -y --no-install-recommends clang-16 libclang-rt-16-dev >/dev/null
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
cmake -S . -B build-sanitize -DDGP_BUILD_TESTS=ON -DDGP_BUILD_ADDON=OFF -DDGP_CUDA=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build build-sanitize -j2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ./build-sanitize/dgp_native_tests
