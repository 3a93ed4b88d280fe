export * from './meta-api-error';
export * from './meta-graph.client';
export * from './types';
export * from './webhook-signature';
export * from './message-rules';
