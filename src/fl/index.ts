/** The federated-learning layer (docs/FL.md): error feedback, wire format, aggregation, ADGP. */
export { DgpFormatError } from './errors';
export type { Update, UpdateLayer, DenseLayer, AlignedPositions, AlignedValues, AggregateOptions, ElementLimit } from './types';
export type { GradientInput } from '../gradients';
export { ErrorFeedback, ErrorFeedbackOptions, FeedbackMode, PrivacySpent, SecureUpdate } from './feedback';
export { encodeUpdate, decodeUpdate, encodePositions, decodePositions, encodeAligned, decodeAligned } from './wire';
export { aggregateUpdates, densifyUpdate, aggregateToTensors, sparseFromDense } from './dense';
export { chooseAlignedPositions, aggregateAligned, densifyAligned } from './adgp';
export { FORMAT_VERSION } from '../surface/format';
export { Aggregator, AggregatorOptions, ModularAggregatorOptions, AggregatorResult, LayerLayout, DgpPrivacyError } from './aggregator';
export type { ModularLayer } from './modular';
export { encodeIntegerUpdate, decodeIntegerUpdate, decodeModularPartial } from './integer';
export type { IntegerUpdate, IntegerLayer, DecodedIntegerUpdate, ModularPartial } from './integer';
export { decodePartial, PartialAggregate } from './partial';
