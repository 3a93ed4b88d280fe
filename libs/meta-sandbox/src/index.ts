export { createMetaSandbox } from './sandbox';
export { MAGIC_RECIPIENTS } from './messages/magic-recipients';
export { REJECTED_TEMPLATE_PREFIX } from './templates/template-management';
export { signatureOf } from './webhooks/webhook-dispatcher';
export type { GraphErrorBody, WebhookErrorObject } from './graph/graph-error';
export type { TemplateStatus } from './state/records';
export * from './types';
