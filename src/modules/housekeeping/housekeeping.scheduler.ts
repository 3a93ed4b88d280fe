import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from '../../queue/queue-names';

/** Schedules the recurring housekeeping jobs; upserting is idempotent across replicas and restarts. */
@Injectable()
export class HousekeepingScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QueueName.Housekeeping) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'purge-expired-idempotency-keys',
      { every: 60 * 60 * 1000 },
      { name: 'purge-expired-idempotency-keys', data: {} },
    );
  }
}
