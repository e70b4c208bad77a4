#!/usr/bin/env bash
# Issue 21 ask 7: examples/secure-round as its README runs it, with worker-thread clients: three
# rounds of secure aggregation with distributed noise (a dense round, then ADGP rounds) must
# complete with every client in every sum.
set -euo pipefail
npm run build:scripts >/dev/null
out="$(node out/examples/secure-round/main.js --workers=4 --rounds=3 --z=0.1)"
echo "$out"
[ "$(grep -c '4/4 clients' <<<"$out")" -eq 3 ] || { echo "expected 3 rounds with 4/4 clients"; exit 1; }
grep -q ' ADGP ' <<<"$out" || { echo "no ADGP round ran"; exit 1; }
