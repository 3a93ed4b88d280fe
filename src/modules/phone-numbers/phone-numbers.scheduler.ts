import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { QueueName } from '../../queue/queue-names';
import { keepJobSchedulers } from '../../queue/job-schedulers';

/** Keeps phone snapshots fresh: a recurring job queues a resync of every stale phone. */
@Injectable()
export class PhoneNumbersScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QueueName.PhoneNumbers) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await keepJobSchedulers(this.queue, [
      {
        name: 'resync-stale-phones',
        every: Math.max(1, Math.floor(this.config.phoneResyncIntervalMinutes / 4)) * 60_000,
      },
    ]);
  }
}
