// Keeps a prebuilt addon loadable on older Linux systems than the one that built it.
//
// The linker binds each reference to the newest version a shared library defines: on glibc
// 2.36, pthread_create@GLIBC_2.34 (the CUDA static runtime's threads, dlopen, semaphores) and
// condition_variable::wait@GLIBCXX_3.4.30 (GCC 12's libstdc++), so the binary would refuse to
// load on glibc < 2.34 (Ubuntu 20.04, Debian 11, RHEL 8), where official Node 18+ runs. The same
// functions also exist under older versions (GLIBC_2.2.5, GLIBCXX_3.4.11), and those are what
// binaries linked on older systems use.
//
// floorStubs() reads the linked file, and for each library with a reference above the floor
// writes a stub shared object with the library's soname that defines every symbol the addon
// takes from that library at the newest version not above the floor. Linking again with the
// stubs first on the command line binds the references to those versions (the stub hides the
// real library from the linker only; at run time the real library serves the old versions).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function readelf(args) {
  const r = spawnSync('readelf', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) throw new Error(`readelf ${args.join(' ')}: ${r.error ? r.error.message : r.stderr}`);
  return r.stdout;
}

function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
  return 0;
}

/** 'GLIBC_2.34' -> ['GLIBC', '2.34']; namespaces without a number ('GCC_3.0' too) pass through. */
function splitVersion(v) {
  const m = /^([A-Z]+)_([0-9.]+)$/.exec(v);
  return m ? [m[1], m[2]] : [v, ''];
}

/** The undefined symbols of `file` with their version and the library (soname) it names. */
function references(file) {
  const libOfIndex = new Map();
  let lib = null;
  for (const line of readelf(['-V', '--wide', file]).split('\n')) {
    const f = /File: (\S+)/.exec(line);
    if (f) lib = f[1];
    const n = /Name: (\S+)\s+Flags: \S+\s+Version: (\d+)/.exec(line);
    if (n && lib) libOfIndex.set(Number(n[2]), lib);
  }
  const refs = [];
  for (const line of readelf(['--dyn-syms', '--wide', file]).split('\n')) {
    const m = /^\s*\d+: [0-9a-f]+\s+(\d+) (\w+)\s+\w+\s+\w+\s+UND (\S+)@(\S+) \((\d+)\)/.exec(line);
    if (m) refs.push({ type: m[2], name: m[3], version: m[4], lib: libOfIndex.get(Number(m[5])) });
  }
  return refs;
}

/** Every versioned definition in a real library: name -> [{version, type, size}]. */
function definitions(libPath) {
  const defs = new Map();
  for (const line of readelf(['--dyn-syms', '--wide', libPath]).split('\n')) {
    const m = /^\s*\d+: [0-9a-f]+\s+(\d+) (\w+)\s+\w+\s+\w+\s+(?!UND)\S+ ([^@\s]+)@@?(\S+)/.exec(line);
    if (!m) continue;
    const [, size, type, name, version] = m;
    if (!defs.has(name)) defs.set(name, []);
    defs.get(name).push({ version, type, size: Number(size) });
  }
  return defs;
}

/**
 * Writes stub libraries for `file` into outDir and returns the linker flags that apply them
 * ([] when nothing is above the floor).
 *   floors: { GLIBC: '2.28', GLIBCXX: '3.4.25' }
 *   compiler: the C/C++ compiler of the target (finds the real libraries, builds the stubs)
 */
function floorStubs({ file, compiler, outDir, floors }) {
  const above = (version) => {
    const [ns, num] = splitVersion(version);
    return floors[ns] !== undefined && num !== '' && compareVersions(num, floors[ns]) > 0;
  };
  const refs = references(file);
  const libs = [...new Set(refs.filter((r) => r.lib && above(r.version)).map((r) => r.lib))];
  fs.rmSync(outDir, { recursive: true, force: true });
  if (!libs.length) return { flags: [], rebound: [] };
  fs.mkdirSync(outDir, { recursive: true });
  const stubs = [];
  const rebound = [];
  for (const lib of libs) {
    const real = spawnSync(compiler, [`-print-file-name=${lib}`], { encoding: 'utf8' }).stdout.trim();
    if (!path.isAbsolute(real) || !fs.existsSync(real)) throw new Error(`${compiler} cannot find ${lib}`);
    const defs = definitions(real);
    const chosen = [];
    for (const ref of refs.filter((r) => r.lib === lib)) {
      let version = ref.version;
      if (above(version)) {
        const [ns] = splitVersion(version);
        const older = (defs.get(ref.name) || [])
          .filter((d) => splitVersion(d.version)[0] === ns && !above(d.version))
          .sort((a, b) => compareVersions(splitVersion(b.version)[1], splitVersion(a.version)[1]));
        if (!older.length) throw new Error(`${ref.name}@${ref.version} has no version at or below ${ns} ${floors[ns]} in ${real}`);
        version = older[0].version;
        rebound.push(`${ref.name}@${ref.version} -> @${version}`);
      }
      const def = (defs.get(ref.name) || []).find((d) => d.version === version) || { type: ref.type, size: 0 };
      chosen.push({ name: ref.name, version, type: def.type, size: def.size });
    }
    const base = lib.replace(/[^A-Za-z0-9]/g, '_');
    const c = chosen
      .map((s, i) =>
        (s.type === 'OBJECT' || s.type === 'TLS'
          ? `char dgp_stub_${i}[${Math.max(1, s.size)}];\n`
          : `void dgp_stub_${i}(void) {}\n`) + `__asm__(".symver dgp_stub_${i}, ${s.name}@@${s.version}");\n`,
      )
      .join('');
    const nodes = [...new Set(chosen.map((s) => s.version))];
    const map = nodes
      .map((v, i) => `${v} {\n  global: ${chosen.filter((s) => s.version === v).map((s) => `${s.name};`).join(' ')}\n${i === 0 ? '  local: *;\n' : ''}};\n`)
      .join('');
    fs.writeFileSync(path.join(outDir, `${base}.c`), `// Link-time stub of ${lib} (scripts/symbol-floor.js)\n${c}`);
    fs.writeFileSync(path.join(outDir, `${base}.map`), map);
    const so = path.join(outDir, `${base}.stub.so`);
    const r = spawnSync(compiler, ['-x', 'c', '-shared', '-fPIC', '-nostdlib', path.join(outDir, `${base}.c`),
      `-Wl,--version-script=${path.join(outDir, `${base}.map`)}`, `-Wl,-soname,${lib}`, '-o', so], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the ${lib} stub failed: ${r.stderr}`);
    stubs.push(so);
  }
  return { flags: stubs, rebound };
}

module.exports = { floorStubs };
