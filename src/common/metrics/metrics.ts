import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/** One Prometheus registry per application (not prom-client's global one: tests run several apps). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly metaWebhookSignatureFailures = new Counter({
    name: 'owb_meta_webhook_signature_failures_total',
    help: 'Meta webhook POSTs refused because X-Hub-Signature-256 was missing or wrong',
    registers: [this.registry],
  });

  readonly metaWebhooksReceived = new Counter({
    name: 'owb_meta_webhooks_received_total',
    help: 'Signature-verified Meta webhook POSTs stored for ingestion',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'owb_' });
  }
}
