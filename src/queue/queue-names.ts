/** Every queue the service uses. Feature code refers to queues only by these names. */
export const QueueName = {
  Housekeeping: 'housekeeping',
  PhoneNumbers: 'phone-numbers',
  MetaWebhookEvents: 'meta-webhook-events',
  Media: 'media',
  WebhookDeliveries: 'webhook-deliveries',
  OutboundMessages: 'outbound-messages',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const ALL_QUEUES: QueueName[] = Object.values(QueueName);
