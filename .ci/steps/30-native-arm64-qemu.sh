#!/usr/bin/env bash
# The native C++ suite cross-compiled for linux-arm64 (Debian's g++-aarch64-linux-gnu through
# cmake/aarch64-linux-gnu.cmake) and run under qemu-aarch64-static: the kernels' aarch64 paths
# (NEON included) give the same bits as on x86-64.
set -euo pipefail
apt-get install -y --no-install-recommends g++-aarch64-linux-gnu qemu-user-static
npm run test:native:arm64
