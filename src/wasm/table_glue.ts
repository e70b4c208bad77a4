/**
 * The wasm backend's glue for the plain kernels of native/glue/kernel_table.h, driven by the
 * table itself: the module describes every kernel it exports (dgp_kernel_table(): name, return
 * kind and argument kinds), and one generic wrapper per name copies the arguments into linear
 * memory by kind, calls dgp_k_<name>(argv), and copies every writable array back. Nothing here
 * names a kernel: a kernel added to the C++ table and to the surface's KERNEL_NAMES is served
 * here as it is. Same guards and wording as the addon's generated glue
 * (native/addon/table_binding.cc, native/addon/registry.h): a wrong kind is a TypeError
 * "<name>: argument <i> must be <kind>, got <value>", a broken bound a RangeError
 * "<name>: argument <i> is out of bounds (<why>)". test/fl/kernels.test.ts checks that the
 * module's table and the surface's names agree.
 */
import { DgpError, describeValue } from '../errors';
import { KERNEL_NAMES, type Kernels } from '../kernels/surface';
import type { WasmExports } from './module';

/** The surface kernels with glue of their own (lists, outputs objects, promises, resident sums). */
export const DEDICATED_KERNELS = ['selectLayers', 'selectLayersAsync', 'selectCodes', 'streamAdd', 'streamAddAsync', 'partialMerge'] as const;

export type TableKernelName = Exclude<(typeof KERNEL_NAMES)[number], (typeof DEDICATED_KERNELS)[number]>;

/** The surface names the kernel table serves: every name of the surface without glue of its own. */
export const TABLE_KERNEL_NAMES = KERNEL_NAMES.filter(
  (n) => !(DEDICATED_KERNELS as readonly string[]).includes(n),
) as TableKernelName[];

/** One call's linear-memory blocks (src/wasm/kernels.ts Frame). */
export interface TableFrame {
  readonly at: number[];
  put(slot: number, src: ArrayBufferView): void;
  get(slot: number, dst: ArrayBufferView): void;
}
export type TableCall = <R>(byteSizes: number[], body: (f: TableFrame) => R) => R;

type ArrayCtor = typeof Uint8Array | typeof Uint32Array | typeof Float32Array | typeof Float64Array;
type TypedArray = Uint8Array | Uint32Array | Float32Array | Float64Array;

/** kernel_table.h's kind letters: lower case read-only arrays, upper case writable ones. */
const ARRAYS: Record<string, ArrayCtor> = { a: Uint8Array, b: Uint32Array, c: Float32Array, d: Float64Array };

export interface TableEntry {
  /** 'x' a number, 'v' undefined. */
  ret: string;
  /** One kind letter per argument. */
  args: string;
}

const tables = new WeakMap<WasmExports, Map<string, TableEntry>>();

function cString(w: WasmExports, at: number): string {
  const mem = new Uint8Array(w.memory.buffer);
  let end = at;
  while (mem[end] !== 0) end++;
  let s = '';
  for (let i = at; i < end; i++) s += String.fromCharCode(mem[i]);
  return s;
}

/** The module's kernel table (read once per instance). */
export function kernelTable(w: WasmExports): Map<string, TableEntry> {
  let table = tables.get(w);
  if (table) return table;
  table = new Map();
  const describe = (w as unknown as { dgp_kernel_table?: () => number }).dgp_kernel_table;
  if (typeof describe === 'function')
    for (const item of cString(w, describe()).split(';')) {
      if (!item) continue;
      const [name, kinds] = item.split('=');
      const [ret, args] = kinds.split(':');
      table.set(name, { ret, args });
    }
  tables.set(w, table);
  return table;
}

function guardArgument(name: string, i: number, kind: string, v: unknown): void {
  const what = `${name}: argument ${i + 1}`;
  const ctor = ARRAYS[kind.toLowerCase()];
  if (ctor) {
    if (!(v instanceof ctor)) throw new TypeError(`${what} must be a ${ctor.name}, got ${describeValue(v)}`);
  } else if (kind === 'n' || kind === 'x') {
    if (typeof v !== 'number') throw new TypeError(`${what} must be a number, got ${describeValue(v)}`);
    if (kind === 'n' && !(Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER))
      throw new RangeError(`${what} is out of bounds (not an integer in [0, 2^53), got ${describeValue(v)})`);
  }
}

function tableKernel(name: string, module: () => WasmExports, call: TableCall): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const w = module();
    const entry = kernelTable(w).get(name);
    const run = (w as unknown as Record<string, (argv: number) => number>)[`dgp_k_${name}`];
    if (!entry || typeof run !== 'function') throw new DgpError(`wasm backend: the module has no kernel '${name}' (built from older sources)`);
    const kinds = entry.args;
    const sizes: number[] = [];
    let slots = 0;
    for (let i = 0; i < kinds.length; i++) {
      guardArgument(name, i, kinds[i], args[i]);
      if (ARRAYS[kinds[i].toLowerCase()]) {
        sizes.push((args[i] as TypedArray).byteLength);
        slots += 2;
      } else {
        slots += 1;
      }
    }
    const argv = new Float64Array(Math.max(slots, 2));
    sizes.push(argv.byteLength);
    return call(sizes, (f) => {
      const argvSlot = sizes.length - 1;
      let block = 0;
      let s = 0;
      for (let i = 0; i < kinds.length; i++) {
        const k = kinds[i];
        if (ARRAYS[k.toLowerCase()]) {
          const a = args[i] as TypedArray;
          f.put(block, a);
          argv[s++] = f.at[block++];
          argv[s++] = a.length;
        } else {
          argv[s++] = k === 'z' ? (args[i] ? 1 : 0) : (args[i] as number);
        }
      }
      f.put(argvSlot, argv);
      const r = run(f.at[argvSlot]);
      f.get(argvSlot, argv);
      if (argv[0] !== 0) throw new RangeError(`${name}: argument ${argv[0]} is out of bounds (${cString(w, argv[1])})`);
      block = 0;
      for (let i = 0; i < kinds.length; i++) {
        const k = kinds[i];
        if (!ARRAYS[k.toLowerCase()]) continue;
        if (k !== k.toLowerCase()) f.get(block, args[i] as TypedArray); // writable: copied back, as the addon writes in place
        block++;
      }
      return entry.ret === 'v' ? undefined : r;
    });
  };
}

/** The table's kernels for the wasm backend, one generic wrapper per name. */
export function tableKernels(module: () => WasmExports, call: TableCall): Pick<Kernels, TableKernelName> {
  const out: Record<string, unknown> = {};
  for (const name of TABLE_KERNEL_NAMES) out[name] = tableKernel(name, module, call);
  return out as unknown as Pick<Kernels, TableKernelName>;
}
