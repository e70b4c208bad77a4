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
import { DgpError, describeValue } from '../../errors';
import { KERNEL_NAMES, type Kernels } from '../../surface/kernels';
import type { WasmExports } from './module';

/** The surface kernels with glue of their own (lists, outputs objects, promises, resident sums). */
export const DEDICATED_KERNELS = ['selectLayers', 'selectLayersAsync', 'selectCodes', 'streamAdd', 'streamAddAsync', 'partialMerge'] as const;

export type TableKernelName = Exclude<(typeof KERNEL_NAMES)[number], (typeof DEDICATED_KERNELS)[number]>;

/** The surface names the kernel table serves: every name of the surface without glue of its own. */
export const TABLE_KERNEL_NAMES = KERNEL_NAMES.filter(
  (n) => !(DEDICATED_KERNELS as readonly string[]).includes(n),
) as TableKernelName[];

/** One call's linear-memory blocks (src/backends/wasm/kernels.ts Frame): their byte addresses. */
export interface TableFrame {
  readonly at: number[];
}
export type TableCall = <R>(byteSizes: number[], body: (f: TableFrame) => R) => R;

type ArrayCtor = typeof Uint8Array | typeof Uint32Array | typeof Float32Array | typeof Float64Array | typeof Int32Array;
type TypedArray = Uint8Array | Uint32Array | Float32Array | Float64Array | Int32Array;

/** kernel_table.h's kind letters: lower case read-only arrays, upper case writable ones. */
const ARRAYS: Record<string, ArrayCtor> = { a: Uint8Array, b: Uint32Array, c: Float32Array, d: Float64Array, e: Int32Array };

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

/** One argument as the glue handles it: an array (its constructor; writable or not) or a scalar kind. */
interface ArgPlan {
  ctor: ArrayCtor | null;
  mut: boolean;
  kind: string;
}

/** A kernel's call plan, made once per module instance from its table entry. */
interface Plan {
  w: WasmExports;
  run: (argv: number) => number;
  ret: string;
  args: ArgPlan[];
  arrays: number;
  slots: number;
}

function plan(w: WasmExports, name: string): Plan {
  const entry = kernelTable(w).get(name);
  const run = (w as unknown as Record<string, (argv: number) => number>)[`dgp_k_${name}`];
  if (!entry || typeof run !== 'function') throw new DgpError(`wasm backend: the module has no kernel '${name}' (built from older sources)`);
  const args = [...entry.args].map((kind) => {
    const ctor = ARRAYS[kind.toLowerCase()] ?? null;
    return { ctor, mut: ctor !== null && kind !== kind.toLowerCase(), kind };
  });
  const arrays = args.filter((a) => a.ctor).length;
  return { w, run, ret: entry.ret, args, arrays, slots: Math.max(2, args.length + arrays) };
}

function guardArgument(name: string, i: number, a: ArgPlan, v: unknown): void {
  if (a.ctor) {
    if (!(v instanceof a.ctor)) throw new TypeError(`${name}: argument ${i + 1} must be ${a.ctor === Int32Array ? 'an' : 'a'} ${a.ctor.name}, got ${describeValue(v)}`);
  } else if (a.kind === 'n' || a.kind === 'x') {
    if (typeof v !== 'number') throw new TypeError(`${name}: argument ${i + 1} must be a number, got ${describeValue(v)}`);
    if (a.kind === 'n' && !(Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER))
      throw new RangeError(`${name}: argument ${i + 1} is out of bounds (not an integer in [0, 2^53), got ${describeValue(v)})`);
  }
}

// Typed views over the module's whole memory, remade only when it grows (a growth replaces its
// buffer), so a call copies its arrays without making views of its own.
let heapBuffer: ArrayBuffer | null = null;
const heapViews = new Map<ArrayCtor, TypedArray>();

function heap(w: WasmExports, ctor: ArrayCtor): TypedArray {
  if (w.memory.buffer !== heapBuffer) {
    heapBuffer = w.memory.buffer;
    heapViews.clear();
  }
  let v = heapViews.get(ctor);
  if (v === undefined) {
    v = new ctor(heapBuffer);
    heapViews.set(ctor, v);
  }
  return v;
}

function tableKernel(name: string, module: () => WasmExports, call: TableCall): (...args: unknown[]) => unknown {
  let p: Plan | null = null;
  return (...args: unknown[]) => {
    const w = module();
    if (p === null || p.w !== w) p = plan(w, name);
    const plan_ = p;
    const sizes = new Array<number>(plan_.arrays + 1);
    for (let i = 0, j = 0; i < plan_.args.length; i++) {
      guardArgument(name, i, plan_.args[i], args[i]);
      if (plan_.args[i].ctor) sizes[j++] = (args[i] as TypedArray).byteLength;
    }
    const argvSlot = plan_.arrays;
    sizes[argvSlot] = 8 * plan_.slots;
    // Blocks are 16-byte aligned (Frame), so each array is copied as its own element type.
    return call(sizes, (f) => {
      const argvAt = f.at[argvSlot] / 8;
      let argv = heap(w, Float64Array);
      for (let i = 0, j = 0, s = argvAt; i < plan_.args.length; i++) {
        const a = plan_.args[i];
        if (a.ctor) {
          const arr = args[i] as TypedArray;
          heap(w, a.ctor).set(arr, f.at[j] / a.ctor.BYTES_PER_ELEMENT);
          argv = heap(w, Float64Array);
          argv[s++] = f.at[j++];
          argv[s++] = arr.length;
        } else {
          argv[s++] = a.kind === 'z' ? (args[i] ? 1 : 0) : (args[i] as number);
        }
      }
      const r = plan_.run(f.at[argvSlot]);
      argv = heap(w, Float64Array); // the call may have grown the memory
      if (argv[argvAt] !== 0) throw new RangeError(`${name}: argument ${argv[argvAt]} is out of bounds (${cString(w, argv[argvAt + 1])})`);
      for (let i = 0, j = 0; i < plan_.args.length; i++) {
        const a = plan_.args[i];
        if (!a.ctor) continue;
        if (a.mut) {
          // writable: copied back, as the addon writes in place
          const arr = args[i] as TypedArray;
          const at = f.at[j] / a.ctor.BYTES_PER_ELEMENT;
          arr.set(heap(w, a.ctor).subarray(at, at + arr.length) as never);
        }
        j++;
      }
      return plan_.ret === 'v' ? undefined : r;
    });
  };
}

/** The table's kernels for the wasm backend, one generic wrapper per name. */
export function tableKernels(module: () => WasmExports, call: TableCall): Pick<Kernels, TableKernelName> {
  const out: Record<string, unknown> = {};
  for (const name of TABLE_KERNEL_NAMES) out[name] = tableKernel(name, module, call);
  return out as unknown as Pick<Kernels, TableKernelName>;
}
