import { EntityManager } from 'typeorm';
import type { MessageStatus as MetaStatus } from '@libs/meta-graph';
import { newId } from '../../../common/ids';
import { Contact, contactIdentifier, contactReplyTo } from '../../contacts/contact.entity';
import { recordEvent } from '../../events/record-event';
import { MessageDto } from '../../messages/dto/message.dto';
import { Message } from '../../messages/message.entity';
import type { MessageError } from '../../messages/message.entity';
import type { PhoneNumber } from '../../phone-numbers/phone-number.entity';

/** Statuses only move forward; `failed` ends anything not yet delivered. */
const RANK: Record<string, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4 };
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
  const [message] = (await manager.query(
    `SELECT id, status, wa_message_id FROM messages
      WHERE phone_number_id = $1 AND direction = 'outbound' AND (wa_message_id = $2 OR id = $3::uuid)
      LIMIT 1 FOR UPDATE`,
    [phone.id, status.id, ourId],
  )) as { id: string; status: string; wa_message_id: string | null }[];
  if (!message) {
    await manager.query(
      `INSERT INTO parked_statuses (id, phone_number_id, wa_message_id, status, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (phone_number_id, wa_message_id, status) DO NOTHING`,
      [newId(), phone.id, status.id, status.status, JSON.stringify(status)],
    );
    return 'parked';
  }
  await recordStatus(manager, message, status);
  return 'applied';
}

async function recordStatus(
  manager: EntityManager,
  message: { id: string; status: string; wa_message_id: string | null },
  status: MetaStatus,
): Promise<void> {
  const occurredAt = new Date(Number(status.timestamp) * 1000 || Date.now());
  const error = errorOf(status);
  const inserted = (await manager.query(
    `INSERT INTO message_status_events (id, message_id, status, occurred_at, error, pricing)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id, status) DO NOTHING RETURNING id`,
    [
      newId(),
      message.id,
      status.status,
      occurredAt,
      error && JSON.stringify(error),
      status.pricing ? JSON.stringify(status.pricing) : null,
    ],
  )) as unknown[];
  if (inserted.length === 0) {
    return;
  }
  const column = TIMESTAMP_COLUMN[status.status];
  const current = RANK[message.status];
  const moves =
    status.status === 'failed'
      ? current !== undefined && current < RANK.delivered
      : RANK[status.status] !== undefined && current !== undefined && RANK[status.status] > current;
  const params: unknown[] = [message.id, moves, status.status, error && JSON.stringify(error), status.id];
  const stamp = column ? `${column} = COALESCE(${column}, $${params.push(occurredAt)}),` : '';
  await manager.query(
    `UPDATE messages SET ${stamp}
        status = CASE WHEN $2 THEN $3 ELSE status END,
        error = CASE WHEN $2 AND $3 = 'failed' THEN $4::jsonb ELSE error END,
        wa_message_id = COALESCE(wa_message_id, $5),
        updated_at = now()
      WHERE id = $1`,
    params,
  );
  message.status = moves ? status.status : message.status;
  if (moves && status.status in MESSAGE_EVENT) {
    await recordStatusEvent(manager, message.id, MESSAGE_EVENT[status.status as keyof typeof MESSAGE_EVENT], status);
  }
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
  messageId: string,
  type: (typeof MESSAGE_EVENT)[keyof typeof MESSAGE_EVENT],
  status: MetaStatus,
) {
  const message = await manager.getRepository(Message).findOneByOrFail({ id: messageId });
  const contact = message.contactId ? await manager.getRepository(Contact).findOneBy({ id: message.contactId }) : null;
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
  const [message] = (await manager.query(`SELECT id, status, wa_message_id FROM messages WHERE id = $1 FOR UPDATE`, [
    messageId,
  ])) as {
    id: string;
    status: string;
    wa_message_id: string | null;
  }[];
  const ordered = parked.map((row) => row.payload).sort((a, b) => (RANK[a.status] ?? 9) - (RANK[b.status] ?? 9));
  for (const status of ordered) {
    await recordStatus(manager, message, status);
  }
  return ordered.length;
}
