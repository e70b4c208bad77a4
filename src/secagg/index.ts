/**
 * Secure aggregation (SPEC §12; docs/SECAGG.md): Bonawitz et al. 2017 with the SecAgg+ neighbour
 * graph of Bell et al. 2020, as transport-agnostic message-passing state machines.
 */
export { SecAggServer, SecAggServerStage, SecAggLayerSums } from './server';
export { SecAggClient } from './client';
export { SecAggServerOptions, SecAggClientOptions, SecAggLayer, SecAggLayoutOptions } from './options';
export type { SecAggUnsafeSeed } from './crypto';
export { SERVER_ID as SECAGG_SERVER_ID } from './messages';
export { SecAggError } from '../errors';
