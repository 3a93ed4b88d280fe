import { EntityManager } from 'typeorm';
import type { MessageStatus as MetaStatus } from '@libs/meta-graph';
import { newId } from '../../../common/ids';
import { columnsOf, entityFromRow } from '../../../database/entity-from-row';
import { preparedQuery } from '../../../database/prepared-query';
import { contactIdentifier, contactReplyTo } from '../../contacts/contact.entity';
import { NewEvent, recordEvents } from '../../events/record-event';
import { MessageDto } from '../../messages/dto/message.dto';
import { Message } from '../../messages/message.entity';
import type { MessageError } from '../../messages/message.entity';

/** Statuses only move forward; `failed` ends anything not yet delivered. */
const RANK: Record<string, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4 };
const TIMESTAMP_FIELD = { sent: 'sentAt', delivered: 'deliveredAt', read: 'readAt', failed: 'failedAt' } as const;
const MESSAGE_EVENT = {
  sent: 'message.sent',
  delivered: 'message.delivered',
  read: 'message.read',
  failed: 'message.failed',
} as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A status webhook for an outbound message of a phone; `messageId` when we already know which one. */
export interface StatusUpdate {
  phoneNumberId: string;
  status: MetaStatus;
  messageId?: string;
}

export type StatusOutcome = 'applied' | 'parked';

function errorOf(status: MetaStatus): MessageError | null {
  const error = status.errors?.[0];
  return error
    ? { code: error.code, title: error.title, message: error.message, details: error.error_data?.details }
    : null;
}

const ourIdOf = (status: MetaStatus) =>
  status.biz_opaque_callback_data && UUID.test(status.biz_opaque_callback_data)
    ? status.biz_opaque_callback_data
    : null;

interface LockedRow extends Record<string, unknown> {
  recorded: string[];
  contact_row_id: string | null;
  contact_wa_id: string | null;
  contact_bsuid: string | null;
}

/** A matched message as the statuses change it, with what the writes need. */
interface Target {
  message: Message;
  recorded: Set<string>;
  contact: { waId: string | null; bsuid: string | null } | null;
  changed: boolean;
}

/**
 * Applies status webhooks to our outbound messages, in order: each is recorded in its message's
 * history once and moves the status only forward; each move records its `message.*` event. All of
 * them take one statement to lock and read their messages and three to write, whatever their number.
 * A status for a message we cannot match yet (its send response has not been stored) is parked and
 * applied when the message learns its wamid (`applyParkedStatuses`).
 */
export async function applyStatuses(manager: EntityManager, updates: StatusUpdate[]): Promise<StatusOutcome[]> {
  if (updates.length === 0) {
    return [];
  }
  const targets = await lockTargets(manager, updates);
  const byId = new Map(targets.map((target) => [target.message.id, target]));
  const byWamid = new Map(
    targets.flatMap((target) =>
      target.message.waMessageId ? [[`${target.message.phoneNumberId}/${target.message.waMessageId}`, target]] : [],
    ),
  );
  const history: object[] = [];
  const events: NewEvent[] = [];
  const parked: StatusUpdate[] = [];
  const outcomes = updates.map((update): StatusOutcome => {
    const { status, phoneNumberId } = update;
    const byOurId = byId.get(update.messageId ?? ourIdOf(status) ?? '');
    const target =
      (byOurId && (update.messageId || byOurId.message.phoneNumberId === phoneNumberId) ? byOurId : undefined) ??
      byWamid.get(`${phoneNumberId}/${status.id}`);
    if (!target) {
      parked.push(update);
      return 'parked';
    }
    if (target.recorded.has(status.status)) {
      return 'applied';
    }
    target.recorded.add(status.status);
    const occurredAt = new Date(Number(status.timestamp) * 1000 || Date.now());
    const error = errorOf(status);
    history.push({
      id: newId(),
      message_id: target.message.id,
      status: status.status,
      occurred_at: occurredAt.toISOString(),
      error,
      pricing: status.pricing ?? null,
    });
    const message = target.message;
    const current = RANK[message.status];
    const moves =
      status.status === 'failed'
        ? current !== undefined && current < RANK.delivered
        : RANK[status.status] !== undefined && current !== undefined && RANK[status.status] > current;
    const field = TIMESTAMP_FIELD[status.status as keyof typeof TIMESTAMP_FIELD];
    if (field) {
      message[field] ??= occurredAt;
    }
    message.waMessageId ??= status.id;
    if (moves) {
      message.status = status.status as Message['status'];
      if (status.status === 'failed') {
        message.error = error;
      }
    }
    target.changed = true;
    byWamid.set(`${message.phoneNumberId}/${message.waMessageId}`, target);
    if (moves && status.status in MESSAGE_EVENT) {
      events.push(
        statusEvent(message, target.contact, MESSAGE_EVENT[status.status as keyof typeof MESSAGE_EVENT], status),
      );
    }
    return 'applied';
  });
  await writeChanges(
    manager,
    targets.filter((target) => target.changed).map((target) => target.message),
    history,
  );
  await recordEvents(manager, events);
  if (parked.length > 0) {
    await manager.query(
      `INSERT INTO parked_statuses (id, phone_number_id, wa_message_id, status, payload)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[])
       ON CONFLICT (phone_number_id, wa_message_id, status) DO NOTHING`,
      [
        parked.map(() => newId()),
        parked.map((update) => update.phoneNumberId),
        parked.map((update) => update.status.id),
        parked.map((update) => update.status.status),
        parked.map((update) => JSON.stringify(update.status)),
      ],
    );
  }
  return outcomes;
}

/** Locks the outbound messages the updates name (in id order) and reads them with their history and contact. */
async function lockTargets(manager: EntityManager, updates: StatusUpdate[]): Promise<Target[]> {
  const byWamid = updates.filter((update) => !update.messageId);
  const rows = await preparedQuery<LockedRow>(
    manager,
    'lock-status-targets',
    `WITH wanted AS (
       SELECT id FROM messages WHERE id = ANY($1::uuid[])
       UNION
       SELECT m.id FROM unnest($2::uuid[], $3::text[]) AS w (phone_number_id, wa_message_id)
         JOIN messages m ON m.phone_number_id = w.phone_number_id AND m.wa_message_id = w.wa_message_id)
     SELECT ${columnsOf(manager, Message, 'm')},
            ARRAY(SELECT h.status FROM message_status_events h WHERE h.message_id = m.id) AS recorded,
            c.id AS contact_row_id, c.wa_id AS contact_wa_id, c.bsuid AS contact_bsuid
       FROM wanted JOIN messages m ON m.id = wanted.id LEFT JOIN contacts c ON c.id = m.contact_id
      WHERE m.direction = 'outbound'
      ORDER BY m.id FOR UPDATE OF m`,
    [
      [...new Set(updates.flatMap((update) => update.messageId ?? ourIdOf(update.status) ?? []))],
      byWamid.map((update) => update.phoneNumberId),
      byWamid.map((update) => update.status.id),
    ],
  );
  return rows.map((row) => ({
    message: entityFromRow(manager, Message, row),
    recorded: new Set(row.recorded),
    contact: row.contact_row_id ? { waId: row.contact_wa_id, bsuid: row.contact_bsuid } : null,
    changed: false,
  }));
}

/** The new history rows and the messages' new state, in one statement. */
async function writeChanges(manager: EntityManager, messages: Message[], history: object[]): Promise<void> {
  if (messages.length === 0) {
    return;
  }
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  await preparedQuery(
    manager,
    'write-status-changes',
    `WITH history AS (
       INSERT INTO message_status_events (id, message_id, status, occurred_at, error, pricing)
       SELECT * FROM jsonb_to_recordset($1::jsonb)
                AS h (id uuid, message_id uuid, status text, occurred_at timestamptz, error jsonb, pricing jsonb)
       ON CONFLICT (message_id, status) DO NOTHING)
     UPDATE messages m
        SET status = x.status, error = x.error, wa_message_id = x.wa_message_id, sent_at = x.sent_at,
            delivered_at = x.delivered_at, read_at = x.read_at, failed_at = x.failed_at, updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS x (id uuid, status text, error jsonb, wa_message_id text,
                                                sent_at timestamptz, delivered_at timestamptz, read_at timestamptz,
                                                failed_at timestamptz)
      WHERE m.id = x.id`,
    [
      JSON.stringify(history),
      JSON.stringify(
        messages.map((message) => ({
          id: message.id,
          status: message.status,
          error: message.error,
          wa_message_id: message.waMessageId,
          sent_at: iso(message.sentAt),
          delivered_at: iso(message.deliveredAt),
          read_at: iso(message.readAt),
          failed_at: iso(message.failedAt),
        })),
      ),
    ],
  );
}

/** `message.sent|delivered|read|failed`, with what a receiver needs to act without another call. */
function statusEvent(
  message: Message,
  contact: { waId: string | null; bsuid: string | null } | null,
  type: (typeof MESSAGE_EVENT)[keyof typeof MESSAGE_EVENT],
  status: MetaStatus,
): NewEvent {
  return {
    organizationId: message.organizationId,
    livemode: message.livemode,
    type,
    phoneNumberId: message.phoneNumberId,
    messageId: message.id,
    data: {
      ...MessageDto.from(message),
      metadata: message.metadata,
      pricing: status.pricing ?? null,
      contactIdentifier: contact
        ? contactIdentifier({ id: message.contactId!, ...contact })
        : (status.recipient_user_id ?? status.recipient_id ?? null),
      contactReplyTo: contact ? contactReplyTo(contact) : null,
    },
  };
}

/** Applies, in order, the statuses that arrived before the message's wamid was stored. */
export async function applyParkedStatuses(
  manager: EntityManager,
  phoneNumberId: string,
  messageId: string,
  waMessageId: string,
): Promise<number> {
  // TypeORM answers a DELETE … RETURNING with [rows, affected].
  const [parked] = (await manager.query(
    `DELETE FROM parked_statuses WHERE phone_number_id = $1 AND wa_message_id = $2 RETURNING payload`,
    [phoneNumberId, waMessageId],
  )) as [{ payload: MetaStatus }[], number];
  const ordered = parked.map((row) => row.payload).sort((a, b) => (RANK[a.status] ?? 9) - (RANK[b.status] ?? 9));
  await applyStatuses(
    manager,
    ordered.map((status) => ({ phoneNumberId, status, messageId })),
  );
  return ordered.length;
}
