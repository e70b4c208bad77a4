/**
 * The TypeScript twins of the plain kernels (native/glue/kernel_table.h), under their surface
 * names: the backend (kernels.ts) takes every name of TABLE_KERNEL_NAMES from this module, and
 * fails to compile if one is missing. A new plain kernel's twin is an exported function of the
 * same name in the file of its group; a new group file is re-exported here.
 */
export * from './wire';
export * from './random';
export * from './masks';
