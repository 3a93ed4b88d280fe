import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { MetaWebhookEventJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { WebhookIngestionService } from './ingestion/webhook-ingestion.service';

@Processor(QueueName.MetaWebhookEvents, { concurrency: 16 })
export class MetaWebhookEventsProcessor extends WorkerHost {
  constructor(private readonly ingestion: WebhookIngestionService) {
    super();
  }

  process(job: Job<MetaWebhookEventJobs['ingest']>): Promise<unknown> {
    return this.ingestion.ingest(job.data.eventId);
  }
}
