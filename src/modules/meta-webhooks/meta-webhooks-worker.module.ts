import { Module } from '@nestjs/common';
import { WebhookIngestionService } from './ingestion/webhook-ingestion.service';
import { MetaWebhookEventsProcessor } from './meta-webhook-events.processor';
import { MetaWebhooksModule } from './meta-webhooks.module';

/** Ingestion of stored Meta webhooks; registered only where workers run (APP_ROLE=all|worker). */
@Module({
  imports: [MetaWebhooksModule],
  providers: [WebhookIngestionService, MetaWebhookEventsProcessor],
  exports: [WebhookIngestionService],
})
export class MetaWebhooksWorkerModule {}
