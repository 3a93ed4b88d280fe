import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { Repository } from 'typeorm';
import { newId } from '../../common/ids';
import { MetaWebhookEventJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { MetaWebhookEvent } from './meta-webhook-event.entity';

@Injectable()
export class MetaWebhooksService {
  private readonly logger = new Logger(MetaWebhooksService.name);

  constructor(
    @InjectRepository(MetaWebhookEvent) private readonly events: Repository<MetaWebhookEvent>,
    @InjectQueue(QueueName.MetaWebhookEvents) private readonly queue: Queue,
  ) {}

  /**
   * Stores the payload before Meta gets its 200, then queues its ingestion. If queueing fails the
   * row stays `received`, so nothing acknowledged is lost: it can be queued again from the table.
   */
  async accept(payload: Record<string, unknown>): Promise<MetaWebhookEvent> {
    const event = this.events.create({
      id: newId(),
      object: typeof payload.object === 'string' ? payload.object.slice(0, 64) : 'unknown',
      payload,
      status: 'received',
      error: null,
      processedAt: null,
    });
    await this.events.insert(event);
    const job: MetaWebhookEventJobs['ingest'] = { eventId: event.id };
    await this.queue.add('ingest', job, { jobId: event.id }).catch((error: unknown) => {
      this.logger.error(`Meta webhook ${event.id} stored but not queued: ${String(error)}`);
    });
    return event;
  }

  findById(id: string): Promise<MetaWebhookEvent | null> {
    return this.events.findOneBy({ id });
  }
}
