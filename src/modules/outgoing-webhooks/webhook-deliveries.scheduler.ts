import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from '../../queue/queue-names';
import { keepJobSchedulers } from '../../queue/job-schedulers';

/** The safety net of the outbox: every few seconds, dispatch what was missed and requeue lost attempts. */
@Injectable()
export class WebhookDeliveriesScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QueueName.WebhookDeliveries) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await keepJobSchedulers(this.queue, [{ name: 'sweep', every: 5_000 }]);
  }
}
