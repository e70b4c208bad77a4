/**
 * The native implementation of the kernel surface: the addon itself. Its exports carry exactly
 * the names of src/surface/kernels.ts (glue in native/addon/*_binding.cc), so nothing forwards:
 * this file checks that the loaded binary has them all and declares the addon's capabilities.
 */
import type { NativeBinding } from './binding';
import { KERNEL_NAMES, Kernels, missingKernels } from '../../surface/kernels';

/** The addon as the kernel surface, or why it cannot serve (a binary built from older sources). */
export function nativeKernels(binding: NativeBinding): Kernels | string {
  const missing = missingKernels(binding);
  if (missing.length > 0)
    return `the addon lacks the kernels ${missing.join(', ')} (built from older sources? run \`npm run build:native\`)`;
  // The exports themselves (the same functions), and the glue reads arrays by their internal slots.
  const kernels: Record<string, unknown> = { readsCallerArrays: true };
  for (const name of KERNEL_NAMES) kernels[name] = binding[name];
  return kernels as unknown as Kernels;
}
