import { EntityManager } from 'typeorm';
import type { MessageStatus as MetaStatus } from '@libs/meta-graph';
import { newId } from '../../../common/ids';
import { columnsOf, entityFromRow } from '../../../database/entity-from-row';
import { preparedQuery } from '../../../database/prepared-query';
import { Contact, contactIdentifier, contactReplyTo } from '../../contacts/contact.entity';
import { recordEvent } from '../../events/record-event';
import { MessageDto } from '../../messages/dto/message.dto';
import { Message } from '../../messages/message.entity';
import type { MessageError } from '../../messages/message.entity';
import type { PhoneNumber } from '../../phone-numbers/phone-number.entity';

/** Statuses only move forward; `failed` ends anything not yet delivered. */
const RANK: Record<string, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4 };
/** The same order for SQL (`array_position` is 1-based: delivered is 4). */
const ORDER = ['queued', 'sending', 'sent', 'delivered', 'read'];
const TIMESTAMP_COLUMN: Record<string, string> = {
  sent: 'sent_at',
  delivered: 'delivered_at',
  read: 'read_at',
  failed: 'failed_at',
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function errorOf(status: MetaStatus): MessageError | null {
  const error = status.errors?.[0];
  return error
    ? { code: error.code, title: error.title, message: error.message, details: error.error_data?.details }
    : null;
}

/**
 * Applies a status webhook to our outbound message: recorded in its history once, and moving its
 * status only forward. A status for a message we cannot match yet (its send response has not been
 * stored) is parked and applied when the message learns its wamid (`applyParkedStatuses`).
 */
export async function applyStatus(
  manager: EntityManager,
  phone: PhoneNumber,
  status: MetaStatus,
): Promise<'applied' | 'parked'> {
  const ourId =
    status.biz_opaque_callback_data && UUID.test(status.biz_opaque_callback_data)
      ? status.biz_opaque_callback_data
      : null;
  const matched = await recordStatus(manager, { phoneNumberId: phone.id, waMessageId: status.id, ourId }, status);
  if (!matched) {
    await manager.query(
      `INSERT INTO parked_statuses (id, phone_number_id, wa_message_id, status, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (phone_number_id, wa_message_id, status) DO NOTHING`,
      [newId(), phone.id, status.id, status.status, JSON.stringify(status)],
    );
    return 'parked';
  }
  return 'applied';
}

type StatusTarget = { phoneNumberId: string; waMessageId: string; ourId: string | null } | { messageId: string };

interface RecordedRow extends Record<string, unknown> {
  matched_id: string;
  /** Null when the status was already in the history: nothing changed. */
  moves: boolean | null;
  contact_row_id: string | null;
  contact_wa_id: string | null;
  contact_bsuid: string | null;
}

/**
 * One statement: locks the message, adds the status to its history once and, when it is new, stamps
 * its time and moves the status forward. A move records its `message.*` event. False when no
 * message matches.
 */
async function recordStatus(manager: EntityManager, target: StatusTarget, status: MetaStatus): Promise<boolean> {
  const occurredAt = new Date(Number(status.timestamp) * 1000 || Date.now());
  const error = errorOf(status);
  const params: unknown[] = [
    newId(),
    status.status,
    occurredAt,
    error && JSON.stringify(error),
    status.pricing ? JSON.stringify(status.pricing) : null,
    status.id,
    ORDER,
  ];
  const match =
    'messageId' in target
      ? `id = $${params.push(target.messageId)}::uuid`
      : `phone_number_id = $${params.push(target.phoneNumberId)} AND direction = 'outbound'
         AND (wa_message_id = $${params.push(target.waMessageId)} OR id = $${params.push(target.ourId)}::uuid)`;
  const column = TIMESTAMP_COLUMN[status.status];
  const stamp = column ? `${column} = COALESCE(m.${column}, $3::timestamptz),` : '';
  const [row] = (await preparedQuery(
    manager,
    `record-status-${column ?? 'untimed'}-${'messageId' in target ? 'by-id' : 'by-match'}`,
    `WITH target AS (SELECT id, status FROM messages WHERE ${match} LIMIT 1 FOR UPDATE),
     recorded AS (
       INSERT INTO message_status_events (id, message_id, status, occurred_at, error, pricing)
       SELECT $1, id, $2::text, $3::timestamptz, $4::jsonb, $5::jsonb FROM target
       ON CONFLICT (message_id, status) DO NOTHING RETURNING message_id),
     change AS (
       SELECT t.id, COALESCE(CASE WHEN $2::text = 'failed'
                                  THEN array_position($7::text[], t.status::text) < 4
                                  ELSE array_position($7::text[], $2::text) > array_position($7::text[], t.status::text)
                             END, false) AS moves
         FROM target t JOIN recorded r ON r.message_id = t.id),
     updated AS (
       UPDATE messages m SET ${stamp}
              status = CASE WHEN change.moves THEN $2::text ELSE m.status END,
              error = CASE WHEN change.moves AND $2::text = 'failed' THEN $4::jsonb ELSE m.error END,
              wa_message_id = COALESCE(m.wa_message_id, $6),
              updated_at = now()
         FROM change WHERE m.id = change.id
       RETURNING ${columnsOf(manager, Message, 'm')}, change.moves)
     SELECT updated.*, target.id AS matched_id,
            c.id AS contact_row_id, c.wa_id AS contact_wa_id, c.bsuid AS contact_bsuid
       FROM target LEFT JOIN updated ON true LEFT JOIN contacts c ON c.id = updated.contact_id`,
    params,
  )) as RecordedRow[];
  if (!row) {
    return false;
  }
  if (row.moves && status.status in MESSAGE_EVENT) {
    const message = entityFromRow(manager, Message, row);
    const contact = row.contact_row_id
      ? { id: row.contact_row_id, waId: row.contact_wa_id, bsuid: row.contact_bsuid }
      : null;
    await recordStatusEvent(
      manager,
      message,
      contact,
      MESSAGE_EVENT[status.status as keyof typeof MESSAGE_EVENT],
      status,
    );
  }
  return true;
}

const MESSAGE_EVENT = {
  sent: 'message.sent',
  delivered: 'message.delivered',
  read: 'message.read',
  failed: 'message.failed',
} as const;

/** `message.sent|delivered|read|failed`, with what a receiver needs to act without another call. */
async function recordStatusEvent(
  manager: EntityManager,
  message: Message,
  contact: Pick<Contact, 'id' | 'waId' | 'bsuid'> | null,
  type: (typeof MESSAGE_EVENT)[keyof typeof MESSAGE_EVENT],
  status: MetaStatus,
) {
  await recordEvent(manager, {
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
        ? contactIdentifier(contact)
        : (status.recipient_user_id ?? status.recipient_id ?? null),
      contactReplyTo: contact ? contactReplyTo(contact) : null,
    },
  });
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
  for (const status of ordered) {
    await recordStatus(manager, { messageId }, status);
  }
  return ordered.length;
}
