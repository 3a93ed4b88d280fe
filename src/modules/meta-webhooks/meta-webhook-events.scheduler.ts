import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from '../../queue/queue-names';

/** Recurring upkeep of stored Meta webhooks: stalled ones queued again, expired ones purged. */
@Injectable()
export class MetaWebhookEventsScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QueueName.MetaWebhookEvents) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'requeue-stalled-events',
      { every: 60_000 },
      { name: 'requeue-stalled-events', data: {} },
    );
    await this.queue.upsertJobScheduler(
      'purge-expired-events',
      { every: 6 * 3600_000 },
      { name: 'purge-expired-events', data: {} },
    );
  }
}
