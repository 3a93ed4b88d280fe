import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { QueueName } from '../../queue/queue-names';
import { DomainEvent } from './event.entity';

/** How often, at most, a burst of changes triggers a fan-out job. */
const NUDGE_WINDOW_MS = 50;

@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);
  private lastNudgedSlot = -1;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.WebhookDeliveries) private readonly queue: Queue,
  ) {}

  /**
   * Asks for the events just committed to be fanned out. Cheap and deduplicated within a short
   * window; if it fails, the periodic sweep dispatches them anyway.
   */
  nudge(): void {
    const slot = Math.floor(Date.now() / NUDGE_WINDOW_MS);
    // The queue keeps the window's job once added, so adding it again from here would change nothing.
    if (slot === this.lastNudgedSlot) {
      return;
    }
    this.lastNudgedSlot = slot;
    this.queue.add('dispatch', {}, { jobId: `dispatch-${slot}` }).catch((error: unknown) => {
      this.logger.warn(`Event fan-out not queued (the sweep will do it): ${String(error)}`);
    });
  }

  async list(principal: ApiKeyPrincipal, limit: number, cursor?: string, type?: string): Promise<Page<DomainEvent>> {
    const builder = this.dataSource
      .getRepository(DomainEvent)
      .createQueryBuilder('event')
      .where('event.organizationId = :organizationId AND event.livemode = :livemode', {
        organizationId: principal.organizationId,
        livemode: principal.livemode,
      })
      .orderBy('event.id', 'DESC')
      .limit(limit + 1);
    if (type) {
      builder.andWhere(type.endsWith('.*') ? 'event.type LIKE :type' : 'event.type = :type', {
        type: type.endsWith('.*') ? `${type.slice(0, -1)}%` : type,
      });
    }
    if (cursor) {
      builder.andWhere('event.id < :id', { id: decodeCursor(cursor) });
    }
    return toPage(await builder.getMany(), limit);
  }

  async get(principal: ApiKeyPrincipal, id: string): Promise<DomainEvent> {
    const event = await this.dataSource.getRepository(DomainEvent).findOneBy({
      id,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!event) {
      throw AppException.notFound('Event');
    }
    return event;
  }
}

/** What receivers get, and what `GET /v1/events` shows: the same envelope. */
export function eventEnvelope(event: DomainEvent) {
  return {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    organizationId: event.organizationId,
    livemode: event.livemode,
    ...(event.messageSequence !== null && { sequence: event.messageSequence }),
    data: event.data as Record<string, unknown>,
  };
}
