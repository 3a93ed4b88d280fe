import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { MetaApiError, OutboundMessage } from '@libs/meta-graph';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { GroupCommit, settle, Settled } from '../../../common/group-commit';
import { newId } from '../../../common/ids';
import { columnsOf, entityFromRow } from '../../../database/entity-from-row';
import { preparedQuery } from '../../../database/prepared-query';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { QueueName } from '../../../queue/queue-names';
import { contactIdentifier, contactReplyTo } from '../../contacts/contact.entity';
import { EventsService } from '../../events/events.service';
import { recordEvents } from '../../events/record-event';
import { MediaService, SendingPhone } from '../../media/media.service';
import { applyParkedStatuses } from '../../meta-webhooks/ingestion/message-statuses';
import { WabaCredentials, WabasService } from '../../wabas/wabas.service';
import { MessageDto } from '../dto/message.dto';
import { Message, MessageError } from '../message.entity';
import { metaMessageBody } from './meta-message-body';
import { markDue, messageIdsOf, retryJob, spreadSendJobs } from './send-job';
import type { RunSlots } from './send-pacing.service';
import { FailedAttempt, nextStep, THROUGHPUT_PAUSE_MS } from './send-retry';
import { SEND_SLOTS, SendSlots } from './send-slots';

/** Jobs per `addBulk` call. */
const ENQUEUE_CHUNK = 1_000;
/** Claims (and wamid stores, failures, retries) written at once, each for all the runs that asked meanwhile. */
const GROUPS = { maxItems: 500, maxInFlight: 2 };

/** What became of one message of a run. */
export type SendOutcome = 'accepted' | 'retrying' | 'failed' | 'skipped';

/** A message whose attempt Meta refused for good (or the last attempt of an error that may pass). */
interface Failure {
  messageId: string;
  error: MessageError;
}

/** A message whose attempt met an error that may pass: it is queued again after `delayMs`. */
interface Retry {
  messageId: string;
  phoneNumberId: string;
  attempts: number;
  delayMs: number;
  /** Meta refused it for a rate limit: the attempt does not count. */
  rateLimited: boolean;
}

/**
 * Hands queued messages to Meta. Meta's answer only means "accepted": the statuses that follow
 * (`sent`, `delivered`, `read`, `failed`) arrive as webhooks and are applied by ingestion.
 *
 * A message is handed over only by whoever claimed it: the claim moves it from `queued` to
 * `sending` in the database, so however many jobs name it, one attempt at a time goes to Meta.
 * An attempt that meets an error that may pass puts it back to `queued` with a retry job due after
 * a backoff; one that meets a rate limit does the same without using up an attempt (`nextStep`).
 * A `sending` message whose worker died is claimed again only after `RECOVERY_AFTER_MS`, and only
 * once every Meta webhook received meanwhile was ingested (its `sent` status would have told that it
 * reached Meta).
 */
@Injectable()
export class MessageDeliveryService {
  private readonly logger = new Logger(MessageDeliveryService.name);
  /** Runs starting at once claim their messages together, and store their outcomes together. */
  private readonly claims = new GroupCommit<string, Attempt | null>((ids) => this.claimGroup(ids), GROUPS);
  private readonly stores = new GroupCommit<WamidToStore, boolean>((stores) => this.storeGroup(stores), GROUPS);
  private readonly failures = new GroupCommit<Failure, void>((failed) => this.failGroup(failed), GROUPS);
  private readonly retries = new GroupCommit<Retry, void>((retries) => this.retryGroup(retries), GROUPS);
  /** When this process last moved each phone's sends back after a throughput error. */
  private readonly slowedDownAt = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.OutboundMessages) private readonly queue: Queue,
    private readonly wabas: WabasService,
    private readonly events: EventsService,
    private readonly media: MediaService,
    @Inject(SEND_SLOTS) private readonly slots: SendSlots,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * One run of a phone's messages: claims those still to send once its first slot has come, then
   * hands them to Meta one slot after another, without waiting for one answer before the next send.
   */
  async deliverRun(messageIds: string[], slots: RunSlots): Promise<Record<SendOutcome, number>> {
    await sleep(Math.max(0, slots.firstAt - Date.now()));
    const claimed = (await Promise.all(messageIds.map((id) => this.claims.submit(id)))).filter(
      (attempt): attempt is Attempt => attempt !== null,
    );
    const outcomes = await Promise.all(
      claimed.map(async (attempt, index) => {
        await sleep(Math.max(0, slots.firstAt + index * slots.intervalMs - Date.now()));
        return this.deliver(attempt);
      }),
    );
    const summary: Record<SendOutcome, number> = { accepted: 0, retrying: 0, failed: 0, skipped: 0 };
    for (const outcome of outcomes) {
      summary[outcome] += 1;
    }
    summary.skipped = messageIds.length - claimed.length;
    this.logger.debug(`Run of ${messageIds.length} message(s) done: ${JSON.stringify(summary)}`);
    return summary;
  }

  /**
   * One attempt of a claimed message. Errors Meta says may pass (5xx, network) queue it again with
   * backoff, and rate limits (throughput, pair rate) without using up an attempt; on the last
   * attempt, and for errors that will not pass, the message fails with Meta's code.
   */
  private async deliver(attempt: Attempt): Promise<SendOutcome> {
    const { message, phone, waba, contact } = attempt;
    if (waba.disconnected || !contact) {
      await this.failures.submit({
        messageId: message.id,
        error: { code: 0, title: 'Not sendable', details: 'The WABA was disconnected or the contact deleted' },
      });
      return 'failed';
    }
    let waMessageId: string;
    try {
      // Media named by our id goes to Meta as the id of its copy for this phone (uploaded if need be).
      const content = await this.whileClaimed(message.id, this.media.resolveOutbound(message, phone));
      const body = metaMessageBody({
        type: message.type,
        content,
        to: contact.waId ? `+${contact.waId}` : null,
        recipient: contact.waId ? null : contact.bsuid,
        contextWaMessageId: typeof message.context?.id === 'string' ? message.context.id : null,
        messageId: message.id,
      });
      const { graph, token } = await this.wabas.access(waba);
      const result = await graph.sendMessage(token, phone.metaPhoneNumberId, body as unknown as OutboundMessage);
      waMessageId = result.messages[0].id;
    } catch (error) {
      if (error instanceof MetaApiError && error.rateLimit === 'throughput') {
        await this.slowDown(phone.id, error.code);
      }
      const step = nextStep(error, message, this.config.sending);
      if (step.kind === 'retry') {
        await this.retries.submit({
          messageId: message.id,
          phoneNumberId: phone.id,
          attempts: message.attempts,
          delayMs: step.delayMs,
          rateLimited: step.rateLimited,
        });
        return 'retrying';
      }
      await this.failures.submit({ messageId: message.id, error: errorOf(error) });
      this.logger.warn(`Message ${message.id} failed: ${errorOf(error).code} ${errorOf(error).title}`);
      return 'failed';
    }
    // Statuses carry our id (biz_opaque_callback_data), so one is parked only in the rare case it
    // had neither; the common case is one grouped statement.
    const parked = await this.stores.submit({ messageId: message.id, waMessageId, phoneNumberId: phone.id });
    if (parked) {
      await this.dataSource.transaction((manager) => applyParkedStatuses(manager, phone.id, message.id, waMessageId));
      this.events.nudge();
    }
    return 'accepted';
  }

  /**
   * The phone is over Meta's budget, not just this message: its later sends move back a second.
   * The sends of this process that Meta refuses within that second move them back once.
   */
  private async slowDown(phoneNumberId: string, code: number): Promise<void> {
    const now = Date.now();
    if (now - (this.slowedDownAt.get(phoneNumberId) ?? 0) < THROUGHPUT_PAUSE_MS) {
      return;
    }
    this.slowedDownAt.set(phoneNumberId, now);
    await this.slots.pause(phoneNumberId, THROUGHPUT_PAUSE_MS).catch((error: unknown) => {
      this.logger.warn(`Phone ${phoneNumberId} not slowed down after Meta's ${code}: ${String(error)}`);
    });
  }

  /**
   * Renews the message's claim while `work` runs: a media upload may outlast `RECOVERY_AFTER_MS`, after
   * which recovery would take the message for a dead worker's and send it a second time.
   */
  private async whileClaimed<T>(messageId: string, work: Promise<T>): Promise<T> {
    const renew = setInterval(() => {
      this.dataSource
        .query(`UPDATE messages SET updated_at = now() WHERE id = $1 AND status = 'sending'`, [messageId])
        .catch((error: unknown) => this.logger.warn(`Claim of message ${messageId} not renewed: ${String(error)}`));
    }, this.config.recovery.afterMs / 3);
    try {
      return await work;
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * Claims the messages still to send (`queued`, or `sending` left behind by a dead worker) and reads
   * what their attempts need, in one statement for all the runs that claim at once; counts the attempt.
   * Answers null for a message not to send now (sent, failed, cancelled, gone, or being sent by another run).
   */
  private async claimGroup(messageIds: string[]): Promise<Settled<Attempt | null>[]> {
    const rows = await preparedQuery<ClaimedRow>(
      this.dataSource.manager,
      'claim-messages',
      `WITH locked AS (
         SELECT id FROM messages
          WHERE id = ANY($1::uuid[]) AND direction = 'outbound' AND wa_message_id IS NULL
            AND CASE status
                  WHEN 'queued' THEN true
                  WHEN 'sending' THEN updated_at < now() - $2::float8 * interval '1 millisecond'
                    AND NOT EXISTS (SELECT 1 FROM meta_webhook_events e
                                     WHERE e.status = 'received' AND e.received_at >= messages.updated_at)
                  ELSE false END
          ORDER BY id FOR UPDATE),
       claimed AS (
         UPDATE messages m SET status = 'sending', attempts = m.attempts + 1, due_at = NULL, updated_at = now()
           FROM locked WHERE m.id = locked.id
          RETURNING m.id, m.organization_id, m.livemode, m.phone_number_id, m.contact_id, m.type, m.content, m.context,
                    m.attempts, m.rate_limited, m.rate_limited_since)
       SELECT claimed.*, p.waba_id, p.meta_phone_number_id, c.id AS found_contact_id, c.wa_id, c.bsuid,
              w.meta_waba_id, w.name AS waba_name, w.livemode AS waba_livemode, w.is_sandbox, w.access_token_sealed,
              w.disconnected_at IS NOT NULL AS waba_disconnected
         FROM claimed
         JOIN phone_numbers p ON p.id = claimed.phone_number_id
         JOIN wabas w ON w.id = p.waba_id
         LEFT JOIN contacts c ON c.id = claimed.contact_id`,
      [messageIds, this.config.recovery.afterMs],
    );
    const claimed = new Map(rows.map((row) => [row.id, attemptOf(row)]));
    return messageIds.map((id) => ({ ok: true, value: claimed.get(id) ?? null }));
  }

  /**
   * Stores the wamids Meta answered, in one statement for all the jobs that store at once; answers
   * for each whether a status for it was parked (it came before its wamid was known).
   */
  private async storeGroup(stores: WamidToStore[]): Promise<Settled<boolean>[]> {
    const store = (group: WamidToStore[]) =>
      preparedQuery<{ id: string; parked: boolean }>(
        this.dataSource.manager,
        'store-wamids',
        `WITH s AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS s (id, wa_message_id, phone_number_id)),
         locked AS (SELECT m.id FROM messages m JOIN s ON s.id = m.id ORDER BY m.id FOR UPDATE OF m),
         stored AS (
           UPDATE messages m SET wa_message_id = s.wa_message_id, updated_at = now()
             FROM s JOIN locked ON locked.id = s.id WHERE m.id = s.id
           RETURNING m.id, s.wa_message_id, s.phone_number_id)
         SELECT stored.id, EXISTS (SELECT 1 FROM parked_statuses p
                                    WHERE p.phone_number_id = stored.phone_number_id
                                      AND p.wa_message_id = stored.wa_message_id) AS parked
           FROM stored`,
        [group.map((s) => s.messageId), group.map((s) => s.waMessageId), group.map((s) => s.phoneNumberId)],
      );
    const parkedIn = (rows: { id: string; parked: boolean }[]) =>
      new Set(rows.filter((row) => row.parked).map((row) => row.id));
    try {
      const parked = parkedIn(await store(stores));
      return stores.map((one) => ({ ok: true, value: parked.has(one.messageId) }));
    } catch (error) {
      if (stores.length === 1) {
        throw error;
      }
      // The messages reached Meta: one store the database refuses must not make the others send again.
      return Promise.all(stores.map((one) => settle(async () => parkedIn(await store([one])).has(one.messageId))));
    }
  }

  /** Fails messages with their errors, their history and `message.failed` events, in one transaction. */
  private async failGroup(failures: Failure[]): Promise<Settled<void>[]> {
    await this.dataSource.transaction(async (manager) => {
      const rows = await preparedQuery<Record<string, unknown>>(
        manager,
        'fail-messages',
        `WITH f AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS f (id uuid, history_id uuid, error jsonb)),
         failed AS (
           UPDATE messages m SET status = 'failed', failed_at = now(), error = f.error, updated_at = now()
             FROM f WHERE m.id = f.id AND m.status IN ('queued', 'sending')
           RETURNING ${columnsOf(manager, Message, 'm')}),
         history AS (
           INSERT INTO message_status_events (id, message_id, status, occurred_at, error)
           SELECT f.history_id, failed.id, 'failed', failed.failed_at, f.error FROM failed JOIN f ON f.id = failed.id
           ON CONFLICT (message_id, status) DO NOTHING)
         SELECT failed.*, c.wa_id AS contact_wa_id, c.bsuid AS contact_bsuid
           FROM failed LEFT JOIN contacts c ON c.id = failed.contact_id ORDER BY failed.id`,
        [JSON.stringify(failures.map(({ messageId, error }) => ({ id: messageId, history_id: newId(), error })))],
      );
      await recordEvents(
        manager,
        rows.map((row) => {
          const failed = entityFromRow(manager, Message, row);
          const contact = { waId: row.contact_wa_id as string | null, bsuid: row.contact_bsuid as string | null };
          return {
            organizationId: failed.organizationId,
            livemode: failed.livemode,
            type: 'message.failed' as const,
            phoneNumberId: failed.phoneNumberId,
            messageId: failed.id,
            data: {
              ...MessageDto.from(failed),
              metadata: failed.metadata,
              // Like every message event: who the customer is, and what to put in `to` to reach them.
              contactIdentifier: failed.contactId ? contactIdentifier({ id: failed.contactId, ...contact }) : null,
              contactReplyTo: failed.contactId ? contactReplyTo(contact) : null,
            },
          };
        }),
      );
    });
    this.events.nudge();
    return failures.map(() => ({ ok: true, value: undefined }));
  }

  /**
   * Puts messages back to `queued` (counting those Meta refused for a rate limit) and queues their
   * retries. Should adding the jobs fail, the reconciler queues them once they are overdue.
   */
  private async retryGroup(retries: Retry[]): Promise<Settled<void>[]> {
    await this.dataSource.query(
      `UPDATE messages m SET status = 'queued', due_at = now() + d.delay_ms * interval '1 millisecond',
                             rate_limited = m.rate_limited + d.rate_limited::int,
                             rate_limited_since = CASE WHEN d.rate_limited THEN COALESCE(m.rate_limited_since, now())
                                                       ELSE m.rate_limited_since END,
                             updated_at = now()
         FROM unnest($1::uuid[], $2::float8[], $3::boolean[]) AS d (id, delay_ms, rate_limited)
        WHERE m.id = d.id AND m.status = 'sending' AND m.wa_message_id IS NULL`,
      [
        retries.map((retry) => retry.messageId),
        retries.map((retry) => retry.delayMs),
        retries.map((r) => r.rateLimited),
      ],
    );
    await this.queue
      .addBulk(
        retries.map((retry) =>
          retryJob(this.config, retry.phoneNumberId, retry.messageId, retry.attempts, retry.delayMs),
        ),
      )
      .catch((error: unknown) => {
        this.logger.error(`${retries.length} retry job(s) not queued (the reconciler will): ${String(error)}`);
      });
    return retries.map(() => ({ ok: true, value: undefined }));
  }

  /**
   * The send jobs of a batch's messages still queued, spread at its phone's throughput. Running it
   * again adds nothing twice: a message's job id is its id.
   */
  async queueBatch(batchId: string): Promise<number> {
    const rows: { id: string; phone_number_id: string; throughput_level: string | null }[] =
      await this.dataSource.query(
        `SELECT m.id, m.phone_number_id, p.throughput_level FROM messages m
           JOIN phone_numbers p ON p.id = m.phone_number_id
          WHERE m.batch_id = $1 AND m.status = 'queued' ORDER BY m.id`,
        [batchId],
      );
    await this.queueSends(rows);
    return rows.length;
  }

  /**
   * Queues again accepted messages whose job was lost (queue flushed, worker killed), untouched for
   * `RECOVERY_AFTER_MS`. A `queued` one never left. A `sending` one may have reached Meta just
   * before its worker died; its `sent` webhook then gives it its wamid, so it is only sent again
   * once every Meta webhook received since it started sending has been ingested.
   */
  async reconcile(): Promise<number> {
    const lost: { id: string; phone_number_id: string; throughput_level: string | null }[] =
      await this.dataSource.query(
        `SELECT m.id, m.phone_number_id, p.throughput_level FROM messages m
           JOIN phone_numbers p ON p.id = m.phone_number_id
          WHERE m.direction = 'outbound' AND m.status IN ('queued', 'sending') AND m.wa_message_id IS NULL
            AND greatest(m.updated_at, m.due_at) < now() - ($1 || ' milliseconds')::interval
            AND (m.status = 'queued' OR NOT EXISTS (
                  SELECT 1 FROM meta_webhook_events e WHERE e.status = 'received' AND e.received_at >= m.updated_at))
          ORDER BY m.id LIMIT 10000`,
        [this.config.recovery.afterMs],
      );
    if (lost.length > 0) {
      await this.queueSends(lost);
      this.logger.warn(`Queued ${lost.length} accepted message(s) again: their jobs were lost`);
    }
    return lost.length;
  }

  /** Send jobs for these messages, spread per phone, added in parallel chunks. */
  private async queueSends(rows: { id: string; phone_number_id: string; throughput_level: string | null }[]) {
    const byPhone = new Map<string, { phone: { id: string; throughputLevel: string | null }; ids: string[] }>();
    for (const row of rows) {
      const group = byPhone.get(row.phone_number_id) ?? {
        phone: { id: row.phone_number_id, throughputLevel: row.throughput_level },
        ids: [],
      };
      group.ids.push(row.id);
      byPhone.set(row.phone_number_id, group);
    }
    const jobs = [...byPhone.values()].flatMap(({ phone, ids }) => spreadSendJobs(this.config, phone, ids));
    await markDue(
      this.dataSource,
      this.config,
      jobs.map((job) => ({ messageIds: messageIdsOf(job.data), delayMs: job.opts.delay ?? 0 })),
    );
    const chunks: (typeof jobs)[] = [];
    for (let start = 0; start < jobs.length; start += ENQUEUE_CHUNK) {
      chunks.push(jobs.slice(start, start + ENQUEUE_CHUNK));
    }
    await Promise.all(chunks.map((chunk) => this.queue.addBulk(chunk)));
  }
}

interface ClaimedRow {
  id: string;
  organization_id: string;
  livemode: boolean;
  phone_number_id: string;
  type: string;
  content: Record<string, unknown>;
  context: Record<string, unknown> | null;
  attempts: number;
  rate_limited: number;
  rate_limited_since: Date | null;
  waba_id: string;
  meta_phone_number_id: string;
  found_contact_id: string | null;
  wa_id: string | null;
  bsuid: string | null;
  meta_waba_id: string;
  waba_name: string | null;
  waba_livemode: boolean;
  is_sandbox: boolean;
  access_token_sealed: string;
  waba_disconnected: boolean;
}

interface WamidToStore {
  messageId: string;
  waMessageId: string;
  phoneNumberId: string;
}

function attemptOf(row: ClaimedRow): Attempt {
  return {
    message: {
      id: row.id,
      organizationId: row.organization_id,
      livemode: row.livemode,
      phoneNumberId: row.phone_number_id,
      type: row.type,
      content: row.content,
      context: row.context,
      attempts: row.attempts,
      rateLimited: row.rate_limited,
      rateLimitedSince: row.rate_limited_since,
    },
    phone: { id: row.phone_number_id, wabaId: row.waba_id, metaPhoneNumberId: row.meta_phone_number_id },
    waba: {
      id: row.waba_id,
      metaWabaId: row.meta_waba_id,
      name: row.waba_name,
      livemode: row.waba_livemode,
      isSandbox: row.is_sandbox,
      accessTokenSealed: row.access_token_sealed,
      disconnected: row.waba_disconnected,
    },
    contact: row.found_contact_id ? { waId: row.wa_id, bsuid: row.bsuid } : null,
  };
}

interface Attempt {
  message: Pick<
    Message,
    'id' | 'organizationId' | 'livemode' | 'phoneNumberId' | 'type' | 'content' | 'context' | 'attempts'
  > &
    FailedAttempt;
  phone: SendingPhone;
  waba: WabaCredentials & { disconnected: boolean };
  contact: { waId: string | null; bsuid: string | null } | null;
}

function errorOf(error: unknown): MessageError {
  if (error instanceof MetaApiError) {
    return { code: error.code, title: error.message, details: error.details };
  }
  return { code: 0, title: error instanceof Error ? error.message : String(error) };
}
