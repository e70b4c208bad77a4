/**
 * The native implementation of the kernel surface: the addon itself. Its exports carry exactly
 * the names of src/kernels/surface.ts (glue in native/addon/*_binding.cc), so nothing forwards:
 * this file only checks that the loaded binary has them all.
 */
import type { NativeBinding } from './binding';
import { Kernels, missingKernels } from '../../surface/kernels';

/** The addon as the kernel surface, or why it cannot serve (a binary built from older sources). */
export function nativeKernels(binding: NativeBinding): Kernels | string {
  const missing = missingKernels(binding);
  if (missing.length === 0) return binding;
  return `the addon lacks the kernels ${missing.join(', ')} (built from older sources? run \`npm run build:native\`)`;
}
