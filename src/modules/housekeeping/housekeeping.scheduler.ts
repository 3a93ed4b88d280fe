import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from '../../queue/queue-names';
import { keepJobSchedulers } from '../../queue/job-schedulers';

/** Schedules the recurring housekeeping jobs. */
@Injectable()
export class HousekeepingScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QueueName.Housekeeping) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await keepJobSchedulers(this.queue, [{ name: 'purge-expired-idempotency-keys', every: 60 * 60 * 1000 }]);
  }
}
