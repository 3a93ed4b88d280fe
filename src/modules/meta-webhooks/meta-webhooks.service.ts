import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { Repository } from 'typeorm';
import { AppException } from '../../common/errors/app.exception';
import { newId } from '../../common/ids';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { MetaWebhookEventJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { MetaWebhookEvent, MetaWebhookEventStatus } from './meta-webhook-event.entity';

@Injectable()
export class MetaWebhooksService {
  private readonly logger = new Logger(MetaWebhooksService.name);

  constructor(
    @InjectRepository(MetaWebhookEvent) private readonly events: Repository<MetaWebhookEvent>,
    @InjectQueue(QueueName.MetaWebhookEvents) private readonly queue: Queue,
  ) {}

  /**
   * Stores the payload before Meta gets its 200, then queues its ingestion. If queueing fails the
   * row stays `received`, so nothing acknowledged is lost: `requeueStalled` queues it again.
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

  /** Newest first, optionally only one processing status. */
  async list(limit: number, cursor?: string, status?: MetaWebhookEventStatus): Promise<Page<MetaWebhookEvent>> {
    const builder = this.events
      .createQueryBuilder('event')
      .orderBy('event.id', 'DESC')
      .limit(limit + 1);
    if (status) {
      builder.andWhere('event.status = :status', { status });
    }
    if (cursor) {
      builder.andWhere('event.id < :id', { id: decodeCursor(cursor) });
    }
    return toPage(await builder.getMany(), limit);
  }

  /** Runs ingestion again for one stored payload (ingestion skips what is already stored). */
  async replay(id: string): Promise<MetaWebhookEvent> {
    const event = await this.findById(id);
    if (!event) {
      throw AppException.notFound('Meta webhook event');
    }
    await this.events.update({ id }, { status: 'received', error: null, processedAt: null });
    await this.queue.add('ingest', { eventId: id } satisfies MetaWebhookEventJobs['ingest'], {
      jobId: `replay-${newId()}`,
    });
    return { ...event, status: 'received', error: null, processedAt: null };
  }

  /** Queues again the payloads still `received` after `olderThanMs` (their queueing failed or the queue lost them). */
  async requeueStalled(olderThanMs: number): Promise<number> {
    const stalled: { id: string }[] = await this.events.query(
      `SELECT id FROM meta_webhook_events WHERE status = 'received' AND received_at < now() - ($1 || ' milliseconds')::interval
        ORDER BY id LIMIT 10000`,
      [olderThanMs],
    );
    if (stalled.length > 0) {
      // A job id per attempt: the original id may still name a finished job the queue keeps.
      await this.queue.addBulk(
        stalled.map(({ id }) => ({ name: 'ingest', data: { eventId: id }, opts: { jobId: `requeue-${newId()}` } })),
      );
      this.logger.warn(`Queued ${stalled.length} stalled Meta webhook(s) again`);
    }
    return stalled.length;
  }

  async purgeOlderThan(days: number): Promise<number> {
    const result = await this.events.query(
      `DELETE FROM meta_webhook_events WHERE status <> 'received' AND received_at < now() - ($1 || ' days')::interval`,
      [days],
    );
    return (result as [unknown, number])[1] ?? 0;
  }
}
