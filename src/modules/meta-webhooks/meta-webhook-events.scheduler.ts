import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { QueueName } from '../../queue/queue-names';
import { keepJobSchedulers } from '../../queue/job-schedulers';

/** Recurring upkeep of stored Meta webhooks: stalled ones queued again, expired ones purged. */
@Injectable()
export class MetaWebhookEventsScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QueueName.MetaWebhookEvents) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await keepJobSchedulers(this.queue, [
      { name: 'requeue-stalled-events', every: this.config.recovery.intervalMs },
      { name: 'purge-expired-events', every: 6 * 3600_000 },
    ]);
  }
}
