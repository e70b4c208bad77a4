/**
 * tfjs-dgp: Dual Gradient Pruning for TensorFlow.js.
 * See README.md for usage and ../SPEC (docs) for the exact contract.
 */
export { DgpError } from './errors';
export { countsFromRatios, Counts, DgpConfig, DEFAULT_CONFIG } from './counts';
export { getBackend, setBackend, backendInfo, setThreads, getThreads, BackendName, BackendInfo } from './backend';
export { dualTopBottomK, selectLayers, selectLayersAsync, LayerInput, LayerSelection, SelectWant } from './select';
export {
  dgpMask, dgpMaskAsync, dgpPrune, dgpPruneAsync, dgpPruneGradients, dgpPruneGradientsAsync, PrunedGradients, SparseLayer, TensorInput,
} from './tfjs/ops';
export * from './fl';
export { dpEpsilon, dpNoiseMultiplier, rdpSubsampledGaussian, epsilonFromRdp, gaussianDelta, gaussianEpsilon, DEFAULT_RDP_ORDERS, DpEpsilonParams, DpNoiseMultiplierParams } from './privacy/accountant';
export { l2Norm, clipInPlace } from './privacy/clip';
export type { NoiseMode, ClientPrivacyOptions, ServerPrivacyOptions, UnsafeSeed } from './privacy/options';
export { SecureRandom, SecureRandomOptions } from './privacy/random';
export { addGaussianNoise, noiseGrid, snappedSensitivity, NOISE_GRID_STEPS } from './privacy/noise';
export { planDistributed, quantizeWithNoise, DistributedPlan, DistributedPlanParams, MAX_CLIENT_SCALE } from './privacy/distributed';
export { dpEpsilonDiscreteGaussian, dpNoiseMultiplierDiscreteGaussian, rdpSubsampledDiscreteGaussian, INTEGER_RDP_ORDERS } from './privacy/discrete_accountant';
export { dpEpsilonDistributed, distributedRho, distributedTau, epsilonFromRho, DistributedEpsilonParams } from './privacy/distributed_accountant';
export { dequantizeSum, quantizeValues, quantizedSensitivity, coordinateBound, sumBound, SUM_LIMIT, NOISE_TAIL_SDS } from './privacy/quantize';
export { SecAggServer, SecAggClient, SecAggError, SECAGG_SERVER_ID } from './secagg';
export type { SecAggServerOptions, SecAggClientOptions, SecAggServerStage, SecAggUnsafeSeed, SecAggLayer, SecAggLayoutOptions, SecAggLayerSums } from './secagg';
