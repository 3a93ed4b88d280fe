import { Module } from '@nestjs/common';
import { OutgoingWebhooksModule } from './outgoing-webhooks.module';
import { WebhookDeliveriesProcessor } from './webhook-deliveries.processor';
import { WebhookDeliveriesScheduler } from './webhook-deliveries.scheduler';

/** Fan-out and delivery of events; registered only where workers run. */
@Module({
  imports: [OutgoingWebhooksModule],
  providers: [WebhookDeliveriesProcessor, WebhookDeliveriesScheduler],
})
export class OutgoingWebhooksWorkerModule {}
