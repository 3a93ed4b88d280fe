import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { signedHeaders } from '@libs/webhook-signature';
import type { Queue } from 'bullmq';
import { DataSource, In } from 'typeorm';
import { Agent, request } from 'undici';
import { SecretBox } from '../../common/crypto/secret-box';
import { newId } from '../../common/ids';
import { entityFromRow } from '../../database/entity-from-row';
import { preparedQuery } from '../../database/prepared-query';
import { TtlCache } from '../../common/ttl-cache';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { WebhookDeliveryJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { DomainEvent } from '../events/event.entity';
import { eventEnvelope } from '../events/events.service';
import { recordEvent } from '../events/record-event';
import { SECRET_BOX } from '../meta/meta.constants';
import { guardedLookup } from './ssrf-guard';
import { WebhookDelivery } from './webhook-delivery.entity';
import { subscribes, WebhookEndpoint } from './webhook-endpoint.entity';

const DISPATCH_BATCH = 500;
/** First attempts to one endpoint sent by one job. */
const BATCH_SIZE = 25;
/** How stale an endpoint's settings may be in a worker (a rotation or re-enable shows up within this). */
const ENDPOINT_CACHE_MS = 2_000;

export interface QueuedAttempt {
  id: string;
  endpointId: string;
  /** Attempts made before this one (part of the job id, so each attempt is queued once). */
  attempts: number;
  delayMs: number;
}

interface DeliveryRow {
  id: string;
  attempts: number;
  event_id: string;
  organization_id: string;
  livemode: boolean;
  type: DomainEvent['type'];
  data: object;
  message_sequence: number | null;
  created_at: Date;
}
const EXCERPT_BYTES = 1024;

export interface AttemptOutcome {
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/**
 * Fans events out to subscribed endpoints and delivers them: Standard Webhooks signatures, a retry
 * schedule with jitter, 410 Gone and long failure disable the endpoint. Every attempt's outcome is
 * kept on its delivery row.
 */
@Injectable()
export class WebhookDeliveryService implements OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly agent: Agent;
  private readonly endpointCache = new TtlCache<WebhookEndpoint | null>(ENDPOINT_CACHE_MS);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.WebhookDeliveries) private readonly queue: Queue,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.agent = new Agent({
      connections: 128,
      headersTimeout: config.outgoingWebhooks.timeoutMs,
      bodyTimeout: config.outgoingWebhooks.timeoutMs,
      connect: {
        timeout: config.outgoingWebhooks.timeoutMs,
        lookup: guardedLookup(config.outgoingWebhooks.allowPrivateUrls),
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }

  /**
   * Creates the deliveries of undispatched events, batch by batch, and queues them. The sweep passes
   * `olderThanMs` so it only picks up what the process that recorded an event failed to dispatch.
   */
  async dispatchPending(olderThanMs = 0): Promise<number> {
    let total = 0;
    for (;;) {
      const deliveries = await this.dataSource.transaction(async (manager) => {
        // Taken off the to-do list as they are read (kept there should this transaction fail). Routing
        // needs no payload: the events' data stays in the database.
        const events = (
          (await preparedQuery(
            manager,
            'events-to-dispatch',
            `WITH taken AS (
               DELETE FROM undispatched_events WHERE event_id IN (
                 SELECT event_id FROM undispatched_events WHERE created_at <= now() - make_interval(secs => $1)
                  ORDER BY event_id LIMIT $2 FOR UPDATE SKIP LOCKED)
               RETURNING event_id)
             SELECT e.id, e.organization_id, e.livemode, e.type, e.phone_number_id
               FROM taken JOIN events e ON e.id = taken.event_id ORDER BY e.id`,
            [olderThanMs / 1000, DISPATCH_BATCH],
          )) as Record<string, unknown>[]
        ).map((row) => entityFromRow(manager, DomainEvent, row));
        if (events.length === 0) {
          return null;
        }
        const endpoints = await manager.getRepository(WebhookEndpoint).findBy({
          enabled: true,
          organizationId: In([...new Set(events.map((event) => event.organizationId))]),
        });
        const rows: { id: string; endpointId: string; eventId: string }[] = [];
        for (const event of events) {
          for (const endpoint of endpoints) {
            if (
              endpoint.organizationId === event.organizationId &&
              endpoint.livemode === event.livemode &&
              subscribes(endpoint.eventTypes, event.type) &&
              (!endpoint.phoneNumberId || endpoint.phoneNumberId === event.phoneNumberId)
            ) {
              rows.push({ id: newId(), endpointId: endpoint.id, eventId: event.id });
            }
          }
        }
        if (rows.length > 0) {
          await manager.query(
            `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, trigger, status, next_attempt_at)
             SELECT id, endpoint_id, event_id, 'event', 'pending', now()
               FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS t (id, endpoint_id, event_id)
             ON CONFLICT DO NOTHING`,
            [rows.map((row) => row.id), rows.map((row) => row.endpointId), rows.map((row) => row.eventId)],
          );
        }
        return rows;
      });
      if (deliveries === null) {
        return total;
      }
      total += deliveries.length;
      await this.queueFirstAttempts(deliveries);
    }
  }

  /** First attempts go out in batches per endpoint: far fewer jobs and queries per delivery. */
  async queueFirstAttempts(deliveries: { id: string; endpointId: string }[]): Promise<void> {
    const byEndpoint = new Map<string, string[]>();
    for (const { id, endpointId } of deliveries) {
      byEndpoint.set(endpointId, [...(byEndpoint.get(endpointId) ?? []), id]);
    }
    const jobs = [...byEndpoint].flatMap(([endpointId, ids]) =>
      Array.from({ length: Math.ceil(ids.length / BATCH_SIZE) }, (_, index) => {
        const deliveryIds = ids.slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE);
        return {
          name: 'deliver-batch' as const,
          data: { deliveryIds, endpointId } satisfies WebhookDeliveryJobs['deliver-batch'],
          opts: { jobId: `batch-${deliveryIds[0]}`, removeOnComplete: true },
        };
      }),
    );
    if (jobs.length > 0) {
      await this.queue.addBulk(jobs);
    }
  }

  async queueAttempts(attempts: QueuedAttempt[]): Promise<void> {
    if (attempts.length === 0) {
      return;
    }
    await this.queue.addBulk(
      attempts.map(({ id, endpointId, attempts: made, delayMs }) => ({
        name: 'deliver',
        data: { deliveryId: id, endpointId } satisfies WebhookDeliveryJobs['deliver'],
        // The delivery row is the record; finished jobs need not be kept in the queue.
        opts: { jobId: `${id}-${made}`, delay: delayMs, removeOnComplete: true },
      })),
    );
  }

  /**
   * Attempts of up to BATCH_SIZE deliveries to one endpoint (first attempts come in batches, retries
   * one by one), sent concurrently; the successes are recorded by one UPDATE, each failure goes its
   * own way (retry schedule, disable). Deliveries no longer pending are skipped.
   */
  async attemptBatch(deliveryIds: string[], endpointId: string): Promise<{ succeeded: number; failed: number }> {
    const endpoint = await this.cachedEndpoint(endpointId);
    if (!endpoint?.enabled) {
      await this.dataSource.query(
        `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL WHERE id = ANY($1::uuid[]) AND status = 'pending'`,
        [deliveryIds],
      );
      return { succeeded: 0, failed: 0 };
    }
    const rows = (await this.dataSource.query(
      `SELECT d.id, d.attempts, e.id AS event_id, e.organization_id, e.livemode, e.type, e.data, e.message_sequence, e.created_at
         FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.id = ANY($1::uuid[]) AND d.status = 'pending'`,
      [deliveryIds],
    )) as DeliveryRow[];
    const outcomes = await Promise.all(
      rows.map(async (row) => ({ row, outcome: await this.send(endpoint, eventOf(row)) })),
    );
    const ok = outcomes.filter(({ outcome }) => isSuccess(outcome));
    if (ok.length > 0) {
      await this.dataSource.query(
        `UPDATE webhook_deliveries d SET status = 'succeeded', attempts = d.attempts + 1, last_attempt_at = now(),
                last_status_code = t.code, last_duration_ms = t.duration, last_response_excerpt = t.excerpt,
                last_error = NULL, next_attempt_at = NULL, delivered_at = now()
           FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[]) AS t (id, code, duration, excerpt)
          WHERE d.id = t.id`,
        [
          ok.map(({ row }) => row.id),
          ok.map(({ outcome }) => outcome.statusCode),
          ok.map(({ outcome }) => outcome.durationMs),
          ok.map(({ outcome }) => outcome.responseExcerpt),
        ],
      );
      if (endpoint.failingSince) {
        await this.dataSource.query(`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1`, [endpoint.id]);
        this.endpointCache.delete(endpoint.id);
      }
    }
    const failed = outcomes.filter(({ outcome }) => !isSuccess(outcome));
    for (const { row, outcome } of failed) {
      await this.recordFailure({ id: row.id, endpointId, attempts: row.attempts }, endpoint, outcome);
    }
    return { succeeded: ok.length, failed: failed.length };
  }

  /** Endpoints and their opened secrets, for a couple of seconds: the hot path reads them per attempt. */
  private async cachedEndpoint(endpointId: string): Promise<WebhookEndpoint | null> {
    const cached = this.endpointCache.get(endpointId);
    if (cached !== undefined) {
      return cached;
    }
    const endpoint = await this.dataSource.getRepository(WebhookEndpoint).findOneBy({ id: endpointId });
    this.endpointCache.set(endpointId, endpoint);
    return endpoint;
  }

  /** Sends an event to an endpoint now (also the synchronous test delivery). */
  async send(
    endpoint: WebhookEndpoint,
    event: DomainEvent,
    secrets = this.signingSecrets(endpoint),
  ): Promise<AttemptOutcome> {
    const body = JSON.stringify(eventEnvelope(event));
    const headers = signedHeaders(secrets, event.id, body);
    const started = performance.now();
    try {
      const response = await request(endpoint.url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', 'user-agent': 'OpenWABA-Webhooks/1', ...headers },
        body,
        // A total deadline: the agent's timeouts alone would let a slow trickle hold the attempt.
        signal: AbortSignal.timeout(this.config.outgoingWebhooks.timeoutMs),
      });
      const excerpt = await readExcerpt(response.body);
      return {
        statusCode: response.statusCode,
        durationMs: Math.round(performance.now() - started),
        responseExcerpt: excerpt,
        error: null,
      };
    } catch (error) {
      return {
        statusCode: null,
        durationMs: Math.round(performance.now() - started),
        responseExcerpt: null,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      };
    }
  }

  signingSecrets(endpoint: WebhookEndpoint, now = new Date()): string[] {
    const secrets = [this.secrets.open(endpoint.secretSealed)];
    if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
      secrets.push(this.secrets.open(endpoint.previousSecretSealed));
    }
    return secrets;
  }

  /** A failed attempt: the next one is scheduled, or the delivery fails; a failing endpoint may be disabled. */
  private async recordFailure(
    delivery: Pick<WebhookDelivery, 'id' | 'endpointId' | 'attempts'>,
    endpoint: WebhookEndpoint,
    outcome: AttemptOutcome,
  ): Promise<void> {
    const { retryScheduleMs, disableAfterMs } = this.config.outgoingWebhooks;
    const attempts = delivery.attempts + 1;
    const now = new Date();
    const gone = outcome.statusCode === 410;
    const nextDelay = gone || attempts >= retryScheduleMs.length ? null : withJitter(retryScheduleMs[attempts]);
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(WebhookDelivery).update(
        { id: delivery.id },
        {
          attempts,
          status: nextDelay === null ? 'failed' : 'pending',
          lastAttemptAt: now,
          lastStatusCode: outcome.statusCode,
          lastDurationMs: outcome.durationMs,
          lastResponseExcerpt: outcome.responseExcerpt,
          lastError: outcome.error,
          nextAttemptAt: nextDelay === null ? null : new Date(now.getTime() + nextDelay),
        },
      );
      const [current] = (await manager.query(`SELECT failing_since FROM webhook_endpoints WHERE id = $1 FOR UPDATE`, [
        endpoint.id,
      ])) as { failing_since: Date | null }[];
      const failingSince = current?.failing_since ?? now;
      if (!current?.failing_since) {
        await manager.query(`UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1`, [endpoint.id, now]);
      }
      const reason = gone ? 'gone' : now.getTime() - failingSince.getTime() >= disableAfterMs ? 'failing' : null;
      if (reason) {
        await this.disable(manager, endpoint, reason);
      }
    });
    this.endpointCache.delete(endpoint.id);
    if (nextDelay !== null) {
      await this.queueAttempts([{ id: delivery.id, endpointId: delivery.endpointId, attempts, delayMs: nextDelay }]);
    }
  }

  private async disable(
    manager: DataSource['manager'],
    endpoint: WebhookEndpoint,
    reason: 'gone' | 'failing',
  ): Promise<void> {
    const [, changed] = (await manager.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1 AND enabled`,
      [endpoint.id, reason],
    )) as [unknown, number];
    if (changed === 0) {
      return;
    }
    await manager.query(
      `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL WHERE endpoint_id = $1 AND status = 'pending'`,
      [endpoint.id],
    );
    this.logger.warn(`Webhook endpoint ${endpoint.id} disabled (${reason})`);
    await recordEvent(manager, {
      organizationId: endpoint.organizationId,
      livemode: endpoint.livemode,
      type: 'webhook_endpoint.disabled',
      data: { endpointId: endpoint.id, url: endpoint.url, reason },
    });
  }

  /** Queues again the due attempts whose job was lost (queue flushed, worker killed). */
  async requeueDue(olderThanMs: number): Promise<number> {
    const due: { id: string; endpoint_id: string; attempts: number }[] = await this.dataSource.query(
      `SELECT id, endpoint_id, attempts FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at < now() - ($1 || ' milliseconds')::interval
        ORDER BY next_attempt_at LIMIT 10000`,
      [olderThanMs],
    );
    await this.queueAttempts(
      due.map(({ id, endpoint_id, attempts }) => ({ id, endpointId: endpoint_id, attempts, delayMs: 0 })),
    );
    return due.length;
  }
}

function eventOf(row: DeliveryRow): DomainEvent {
  return Object.assign(new DomainEvent(), {
    id: row.event_id,
    organizationId: row.organization_id,
    livemode: row.livemode,
    type: row.type,
    data: row.data,
    messageSequence: row.message_sequence,
    createdAt: row.created_at,
  });
}

export function isSuccess(outcome: AttemptOutcome): boolean {
  return outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
}

/** ±10 % so retries of many deliveries do not arrive in lockstep. */
function withJitter(delayMs: number): number {
  return Math.round(delayMs * (0.9 + Math.random() * 0.2));
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= EXCERPT_BYTES) {
      body.destroy();
      break;
    }
  }
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
  return text.length > 0 ? text : null;
}
