import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { DelayedError, Job, Queue } from 'bullmq';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { OutboundMessageJobName, OutboundMessageJobs } from '../../../queue/job-payloads';
import { QueueName } from '../../../queue/queue-names';
import { keepJobSchedulers } from '../../../queue/job-schedulers';
import { MessageDeliveryService } from './message-delivery.service';
import { messageIdsOf } from './send-job';
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
        const data = job.data as OutboundMessageJobs['send'];
        const messageIds = messageIdsOf(data);
        const slots = await this.pacing.takeSlots(job as Job<OutboundMessageJobs['send']>, token, messageIds.length);
        if (!slots) {
          throw new DelayedError();
        }
        return this.delivery.deliverRun(messageIds, slots);
      }
      case 'queue-batch':
        return { queued: await this.delivery.queueBatch((job.data as OutboundMessageJobs['queue-batch']).batchId) };
      case 'reconcile':
        return { requeued: await this.delivery.reconcile() };
    }
  }
}

/** The reconciler runs every `RECOVERY_INTERVAL_MS` (a minute by default). */
@Injectable()
export class OutboundMessagesScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QueueName.OutboundMessages) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await keepJobSchedulers(this.queue, [{ name: 'reconcile', every: this.config.recovery.intervalMs }]);
  }
}
