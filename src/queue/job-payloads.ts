/**
 * Job names and payloads per queue. Payloads carry ids, never copies of rows: a processor
 * loads what it needs, so a job that waited an hour still acts on current data.
 */
export interface HousekeepingJobs {
  'record-credential-usage': { kind: 'apiKey' | 'pat'; id: string; usedAt: string };
  'purge-expired-idempotency-keys': Record<string, never>;
}

export type HousekeepingJobName = keyof HousekeepingJobs;

export interface PhoneNumberJobs {
  'resync-phone': { phoneNumberId: string };
  'resync-stale-phones': Record<string, never>;
}

export type PhoneNumberJobName = keyof PhoneNumberJobs;

export interface MetaWebhookEventJobs {
  /** Payloads stored together (one webhook, or a burst of them), ingested in order by one job. */
  ingest: { eventIds: string[] };
  'requeue-stalled-events': Record<string, never>;
  'purge-expired-events': Record<string, never>;
}

export type MetaWebhookEventJobName = keyof MetaWebhookEventJobs;

export interface MediaJobs {
  'download-inbound-media': { mediaId: string };
}

export interface WebhookDeliveryJobs {
  /** Fans undispatched events out to their endpoints. */
  dispatch: Record<string, never>;
  deliver: { deliveryId: string; endpointId: string };
  /** First attempts of several deliveries to one endpoint: one job, one read, one write for the successes. */
  'deliver-batch': { deliveryIds: string[]; endpointId: string };
  /** Catches what a crash left behind: undispatched events, due deliveries without a job. */
  sweep: Record<string, never>;
}

export type WebhookDeliveryJobName = keyof WebhookDeliveryJobs;

export interface OutboundMessageJobs {
  /** A run of messages of one phone, handed to Meta one after another at the phone's pace. */
  send: {
    phoneNumberId: string;
    /** Every job queued since runs exist names them; one queued before names `messageId` instead. */
    messageIds?: string[];
    messageId?: string;
    /** The first send slot reserved for attempt `slotAttempt` before the job was delayed to it (epoch ms). */
    slotAt?: number;
    slotAttempt?: number;
  };
  /** Queues the send jobs of an accepted batch (one job for the API to add, thousands for a worker). */
  'queue-batch': { batchId: string };
  /** Queues again accepted messages whose job was lost. */
  reconcile: Record<string, never>;
}

export type OutboundMessageJobName = keyof OutboundMessageJobs;
