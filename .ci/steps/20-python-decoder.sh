#!/usr/bin/env bash
# The Python reference decoder (interop/python/tfjs_dgp_wire.py) against the golden vectors, the
# messages this package encodes and the hostile ones of the fuzz generators (make_vectors.js,
# run on the dist/ that `npm test` built), with Debian's python3 + numpy.
set -euo pipefail
apt-get install -y --no-install-recommends python3 python3-numpy >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
node interop/python/make_vectors.js "$dir"
DGP_INTEROP_DIR="$dir" /usr/bin/python3 -m unittest discover -s interop/python -v
