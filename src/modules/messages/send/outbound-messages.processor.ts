import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { DelayedError, Job, Queue } from 'bullmq';
import { OutboundMessageJobName, OutboundMessageJobs } from '../../../queue/job-payloads';
import { QueueName } from '../../../queue/queue-names';
import { MessageDeliveryService } from './message-delivery.service';
import { SendPacingService } from './send-pacing.service';

@Processor(QueueName.OutboundMessages, { concurrency: 32 })
export class OutboundMessagesProcessor extends WorkerHost {
  constructor(
    private readonly delivery: MessageDeliveryService,
    private readonly pacing: SendPacingService,
  ) {
    super();
  }

  async process(
    job: Job<OutboundMessageJobs[OutboundMessageJobName], unknown, OutboundMessageJobName>,
    token?: string,
  ): Promise<unknown> {
    switch (job.name) {
      case 'send': {
        if (!(await this.pacing.takeSlot(job as Job<OutboundMessageJobs['send']>, token))) {
          throw new DelayedError();
        }
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        return {
          outcome: await this.delivery.deliver((job.data as OutboundMessageJobs['send']).messageId, lastAttempt),
        };
      }
      case 'reconcile':
        return { requeued: await this.delivery.reconcile() };
    }
  }
}

/** The reconciler runs every minute. */
@Injectable()
export class OutboundMessagesScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QueueName.OutboundMessages) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('reconcile', { every: 60_000 }, { name: 'reconcile', data: {} });
  }
}
