import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { Repository } from 'typeorm';
import { AppException } from '../../common/errors/app.exception';
import { GroupCommit, settle, Settled } from '../../common/group-commit';
import { newId } from '../../common/ids';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { MetaWebhookEventJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { MetaWebhookEvent, MetaWebhookEventStatus } from './meta-webhook-event.entity';

/** The most payloads written by one INSERT. */
const MAX_BATCH = 500;
/** INSERTs running at once; payloads arriving meanwhile wait and are written together. */
const INSERTS_IN_FLIGHT = 2;

interface PendingEvent {
  id: string;
  object: string;
  /** The body exactly as Meta sent it: stored without a parse-and-serialize round trip. */
  rawJson: string;
}

@Injectable()
export class MetaWebhooksService {
  private readonly logger = new Logger(MetaWebhooksService.name);
  private readonly groups = new GroupCommit<PendingEvent, { id: string }>((events) => this.storeGroup(events), {
    maxItems: MAX_BATCH,
    maxInFlight: INSERTS_IN_FLIGHT,
  });

  constructor(
    @InjectRepository(MetaWebhookEvent) private readonly events: Repository<MetaWebhookEvent>,
    @InjectQueue(QueueName.MetaWebhookEvents) private readonly queue: Queue,
  ) {}

  /**
   * Stores the payload before Meta gets its 200, then queues its ingestion. If queueing fails the
   * row stays `received`, so nothing acknowledged is lost: `requeueStalled` queues it again.
   *
   * Payloads arriving together are written together (group commit): one multi-row INSERT and one
   * queued job per group, so a burst costs a few round trips, not two per POST.
   */
  accept(payload: Record<string, unknown>, rawJson = JSON.stringify(payload)): Promise<{ id: string }> {
    return this.groups.submit({
      id: newId(),
      object: typeof payload.object === 'string' ? payload.object.slice(0, 64) : 'unknown',
      rawJson,
    });
  }

  private async storeGroup(group: PendingEvent[]): Promise<Settled<{ id: string }>[]> {
    const outcomes = await this.store(group);
    const stored = group.filter((_, index) => outcomes[index].ok);
    if (stored.length > 0) {
      // One job for the whole group, named after its first payload: ingestion then costs a few
      // statements per burst instead of a job and several statements per payload.
      const eventIds = stored.map((event) => event.id);
      await this.queue
        .add('ingest', { eventIds } satisfies MetaWebhookEventJobs['ingest'], { jobId: eventIds[0] })
        .catch((error: unknown) => {
          this.logger.error(`${stored.length} Meta webhook(s) stored but not queued: ${String(error)}`);
        });
    }
    return outcomes;
  }

  /**
   * One INSERT for the group; if PostgreSQL refuses it (say one payload holds `\u0000`, which jsonb
   * rejects), each payload is tried alone so only the bad one fails.
   */
  private async store(group: PendingEvent[]): Promise<Settled<{ id: string }>[]> {
    const insert = async (events: PendingEvent[]): Promise<void> => {
      await this.events.query(
        `INSERT INTO meta_webhook_events (id, object, payload, status)
         SELECT id, object, payload::jsonb, 'received' FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t (id, object, payload)`,
        [events.map((event) => event.id), events.map((event) => event.object), events.map((event) => event.rawJson)],
      );
    };
    try {
      await insert(group);
      return group.map((event) => ({ ok: true, value: { id: event.id } }));
    } catch (error) {
      if (group.length === 1) {
        return [{ ok: false, error }];
      }
    }
    return Promise.all(group.map((event) => settle(() => insert([event]).then(() => ({ id: event.id })))));
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
    await this.queue.add('ingest', { eventIds: [id] } satisfies MetaWebhookEventJobs['ingest'], {
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
      const jobs = [];
      for (let start = 0; start < stalled.length; start += MAX_BATCH) {
        const eventIds = stalled.slice(start, start + MAX_BATCH).map(({ id }) => id);
        jobs.push({ name: 'ingest', data: { eventIds }, opts: { jobId: `requeue-${newId()}` } });
      }
      await this.queue.addBulk(jobs);
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
