#!/usr/bin/env bash
# Issue 11 part 4: the real-browser test. Installs Debian's chromium and runs
# test/browser/chromium.test.ts with DGP_REQUIRE_CHROMIUM=1, so a missing or broken browser fails
# the run instead of skipping: Chromium trains a small tfjs model on the wasm backend and its
# codes, update bytes and weights must equal Node's bit for bit.
# test/browser/secagg.test.ts: secure-aggregation clients in a page against the example's Node server.
set -euo pipefail
apt-get install -y --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version
DGP_REQUIRE_CHROMIUM=1 npx jest --runTestsByPath test/browser/chromium.test.ts test/browser/secagg.test.ts test/browser/bundle.test.ts
