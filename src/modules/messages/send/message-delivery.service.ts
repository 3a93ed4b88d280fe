import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { MetaApiError, OutboundMessage } from '@libs/meta-graph';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { GroupCommit, settle, Settled } from '../../../common/group-commit';
import { newId } from '../../../common/ids';
import { preparedQuery } from '../../../database/prepared-query';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { QueueName } from '../../../queue/queue-names';
import { EventsService } from '../../events/events.service';
import { recordEvent } from '../../events/record-event';
import { MediaService, SendingPhone } from '../../media/media.service';
import { applyParkedStatuses } from '../../meta-webhooks/ingestion/message-statuses';
import { WabaCredentials, WabasService } from '../../wabas/wabas.service';
import { MessageDto } from '../dto/message.dto';
import { Message, MessageError } from '../message.entity';
import { metaMessageBody } from './meta-message-body';
import { markDue, spreadSendJobs } from './send-job';

/** Jobs per `addBulk` call. */
const ENQUEUE_CHUNK = 1_000;
/** Claims (and wamid stores) written at once, each for all the jobs that asked meanwhile. */
const GROUPS = { maxItems: 200, maxInFlight: 2 };

/**
 * Hands queued messages to Meta. Meta's answer only means "accepted": the statuses that follow
 * (`sent`, `delivered`, `read`, `failed`) arrive as webhooks and are applied by ingestion.
 */
@Injectable()
export class MessageDeliveryService {
  private readonly logger = new Logger(MessageDeliveryService.name);
  /** Jobs running at once claim their messages together, and store their wamids together. */
  private readonly claims = new GroupCommit<string, Attempt | string>((ids) => this.claimGroup(ids), GROUPS);
  private readonly stores = new GroupCommit<WamidToStore, boolean>((stores) => this.storeGroup(stores), GROUPS);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.OutboundMessages) private readonly queue: Queue,
    private readonly wabas: WabasService,
    private readonly events: EventsService,
    private readonly media: MediaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * One attempt. Errors Meta says may pass (throughput, pair rate limit, 5xx, network) are thrown so
   * the job retries with backoff; on the last attempt, and for errors that will not pass, the message fails.
   */
  async deliver(messageId: string, lastAttempt: boolean): Promise<string> {
    const attempt = await this.claims.submit(messageId);
    if (typeof attempt === 'string') {
      return attempt;
    }
    const { message, phone, waba, contact } = attempt;
    if (waba.disconnected || !contact) {
      await this.fail(message, {
        code: 0,
        title: 'Not sendable',
        details: 'The WABA was disconnected or the contact deleted',
      });
      return 'failed';
    }
    try {
      // Media named by our id goes to Meta as the id of its copy for this phone (uploaded if need be).
      const content = await this.media.resolveOutbound(message, phone);
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
      const waMessageId = result.messages[0].id;
      // Statuses carry our id (biz_opaque_callback_data), so one is parked only in the rare case it
      // had neither; the common case is one grouped statement.
      const parked = await this.stores.submit({ messageId: message.id, waMessageId, phoneNumberId: phone.id });
      if (parked) {
        await this.dataSource.transaction((manager) => applyParkedStatuses(manager, phone.id, message.id, waMessageId));
        this.events.nudge();
      }
      return 'accepted';
    } catch (error) {
      const retryable = !(error instanceof MetaApiError) || error.retry !== 'never';
      if (retryable && !lastAttempt) {
        throw error;
      }
      await this.fail(message, errorOf(error));
      return 'failed';
    }
  }

  /**
   * Marks the messages `sending` and reads what their attempts need, in one statement for all the
   * jobs that claim at once. A message no longer to send (sent, failed, cancelled, gone) answers its
   * status instead.
   */
  private async claimGroup(messageIds: string[]): Promise<Settled<Attempt | string>[]> {
    const rows = await preparedQuery<ClaimedRow>(
      this.dataSource.manager,
      'claim-messages',
      `WITH locked AS (
         SELECT id FROM messages
          WHERE id = ANY($1::uuid[]) AND direction = 'outbound' AND status IN ('queued', 'sending') AND wa_message_id IS NULL
          ORDER BY id FOR UPDATE),
       claimed AS (
         UPDATE messages m SET status = 'sending', updated_at = now() FROM locked WHERE m.id = locked.id
          RETURNING m.id, m.organization_id, m.livemode, m.phone_number_id, m.contact_id, m.type, m.content, m.context)
       SELECT claimed.*, p.waba_id, p.meta_phone_number_id, c.id AS found_contact_id, c.wa_id, c.bsuid,
              w.meta_waba_id, w.name AS waba_name, w.livemode AS waba_livemode, w.is_sandbox, w.access_token_sealed,
              w.disconnected_at IS NOT NULL AS waba_disconnected
         FROM claimed
         JOIN phone_numbers p ON p.id = claimed.phone_number_id
         JOIN wabas w ON w.id = p.waba_id
         LEFT JOIN contacts c ON c.id = claimed.contact_id`,
      [messageIds],
    );
    const claimed = new Map(rows.map((row) => [row.id, attemptOf(row)]));
    const others = messageIds.filter((id) => !claimed.has(id));
    const statuses = new Map(
      others.length === 0
        ? []
        : (
            await this.dataSource.query<{ id: string; status: string }[]>(
              `SELECT id, status FROM messages WHERE id = ANY($1::uuid[])`,
              [others],
            )
          ).map((row) => [row.id, row.status]),
    );
    return messageIds.map((id) => ({ ok: true, value: claimed.get(id) ?? statuses.get(id) ?? 'missing' }));
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

  private async fail(
    message: Pick<Message, 'id' | 'organizationId' | 'livemode' | 'phoneNumberId'>,
    error: MessageError,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE messages SET status = 'failed', failed_at = now(), error = $2, updated_at = now() WHERE id = $1`,
        [message.id, JSON.stringify(error)],
      );
      await manager.query(
        `INSERT INTO message_status_events (id, message_id, status, occurred_at, error) VALUES ($1, $2, 'failed', now(), $3)
         ON CONFLICT (message_id, status) DO NOTHING`,
        [newId(), message.id, JSON.stringify(error)],
      );
      const failed = await manager.getRepository(Message).findOneByOrFail({ id: message.id });
      await recordEvent(manager, {
        organizationId: message.organizationId,
        livemode: message.livemode,
        type: 'message.failed',
        phoneNumberId: message.phoneNumberId,
        messageId: message.id,
        data: { ...MessageDto.from(failed), metadata: failed.metadata },
      });
    });
    this.logger.warn(`Message ${message.id} failed: ${error.code} ${error.title}`);
    this.events.nudge();
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
      jobs.map((job) => ({ messageId: job.data.messageId, delayMs: job.opts.delay ?? 0 })),
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
  message: Pick<Message, 'id' | 'organizationId' | 'livemode' | 'phoneNumberId' | 'type' | 'content' | 'context'>;
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
