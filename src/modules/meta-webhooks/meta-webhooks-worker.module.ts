import { Module } from '@nestjs/common';
import { WebhookIngestionService } from './ingestion/webhook-ingestion.service';
import { MetaWebhookEventsProcessor } from './meta-webhook-events.processor';
import { MetaWebhookEventsScheduler } from './meta-webhook-events.scheduler';
import { MediaModule } from '../media/media.module';
import { PhoneNumbersModule } from '../phone-numbers/phone-numbers.module';
import { MetaWebhooksModule } from './meta-webhooks.module';

/** Ingestion and upkeep of stored Meta webhooks; registered only where workers run (APP_ROLE=all|worker). */
@Module({
  imports: [MetaWebhooksModule, PhoneNumbersModule, MediaModule],
  providers: [WebhookIngestionService, MetaWebhookEventsProcessor, MetaWebhookEventsScheduler],
  exports: [WebhookIngestionService],
})
export class MetaWebhooksWorkerModule {}
