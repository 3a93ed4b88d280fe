import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetaWebhookEventJobName, MetaWebhookEventJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { WebhookIngestionService } from './ingestion/webhook-ingestion.service';
import { MetaWebhooksService } from './meta-webhooks.service';

@Processor(QueueName.MetaWebhookEvents, { concurrency: 16 })
export class MetaWebhookEventsProcessor extends WorkerHost {
  private readonly logger = new Logger(MetaWebhookEventsProcessor.name);

  constructor(
    private readonly ingestion: WebhookIngestionService,
    private readonly webhooks: MetaWebhooksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(
    job: Job<MetaWebhookEventJobs[MetaWebhookEventJobName], unknown, MetaWebhookEventJobName>,
  ): Promise<unknown> {
    switch (job.name) {
      case 'ingest':
        return this.ingestion.ingest((job.data as MetaWebhookEventJobs['ingest']).eventIds);
      case 'requeue-stalled-events':
        return { requeued: await this.webhooks.requeueStalled(this.config.recovery.afterMs) };
      case 'purge-expired-events': {
        const purged = await this.webhooks.purgeOlderThan(this.config.metaWebhookRetentionDays);
        if (purged > 0) {
          this.logger.log(`Purged ${purged} Meta webhook payload(s) past retention`);
        }
        return { purged };
      }
    }
  }
}
