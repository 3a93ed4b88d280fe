import { EntityManager } from 'typeorm';
import type { InboundMessage, MessagesValue, WebhookContact } from '@libs/meta-graph';
import { newId } from '../../../common/ids';
import { resolveContact } from '../../contacts/contact-identity';
import { contactIdentifier, contactReplyTo } from '../../contacts/contact.entity';
import { ContactDto } from '../../contacts/dto/contact.dto';
import { Conversation } from '../../conversations/conversation.entity';
import { ConversationDto } from '../../conversations/dto/conversation.dto';
import { recordEvent } from '../../events/record-event';
import { MessageDto } from '../../messages/dto/message.dto';
import { camelCaseKeys, previewOf } from '../../messages/message-content';
import { Message } from '../../messages/message.entity';
import type { PhoneNumber } from '../../phone-numbers/phone-number.entity';

/** Fields of an inbound message that are envelope, not content. */
const ENVELOPE_FIELDS = new Set([
  'from',
  'from_user_id',
  'from_parent_user_id',
  'id',
  'timestamp',
  'type',
  'context',
  'referral',
  'errors',
  'group_id',
]);

function identityOf(message: InboundMessage, contacts: WebhookContact[] | undefined) {
  const contact =
    contacts?.find(
      (candidate) =>
        (message.from_user_id && candidate.user_id === message.from_user_id) ||
        (message.from && candidate.wa_id === message.from),
    ) ?? (contacts?.length === 1 ? contacts[0] : undefined);
  return {
    waId: message.from ?? contact?.wa_id,
    bsuid: message.from_user_id ?? contact?.user_id,
    username: contact?.profile?.username,
    profileName: contact?.profile?.name,
  };
}

function contentOf(message: InboundMessage): Record<string, unknown> {
  const raw = Object.fromEntries(
    Object.entries(message as unknown as Record<string, unknown>).filter(([key]) => !ENVELOPE_FIELDS.has(key)),
  );
  if (message.errors) {
    raw.errors = message.errors;
  }
  return camelCaseKeys(raw) as Record<string, unknown>;
}

const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker']);

export interface StoredInbound {
  /** False when the message was stored before (Meta delivers at least once). */
  stored: boolean;
  /** Our media rows waiting for their download from Meta. */
  mediaIds: string[];
}

/** Our media row for the Meta media of an inbound message (one per Meta id and phone). */
async function inboundMedia(
  manager: EntityManager,
  phone: PhoneNumber,
  media: Record<string, unknown>,
): Promise<string> {
  const [row] = (await manager.query(
    `INSERT INTO media (id, organization_id, livemode, phone_number_id, source, status, mime_type, filename, meta_media_id)
     VALUES ($1, $2, $3, $4, 'inbound', 'pending', $5, $6, $7)
     ON CONFLICT (phone_number_id, meta_media_id) WHERE source = 'inbound' DO UPDATE SET updated_at = now()
     RETURNING id`,
    [
      newId(),
      phone.organizationId,
      phone.livemode,
      phone.id,
      typeof media.mime_type === 'string' ? media.mime_type.slice(0, 128) : 'application/octet-stream',
      typeof media.filename === 'string' ? media.filename.slice(0, 255) : null,
      String(media.id),
    ],
  )) as { id: string }[];
  return row.id;
}

/**
 * Stores one inbound message once (Meta may deliver it again), with its contact, conversation and
 * media, and opens the customer-service window.
 */
export async function storeInboundMessage(
  manager: EntityManager,
  phone: PhoneNumber,
  value: MessagesValue,
  message: InboundMessage,
): Promise<StoredInbound> {
  const scope = { organizationId: phone.organizationId, livemode: phone.livemode };
  const known = await manager
    .getRepository(Message)
    .exists({ where: { phoneNumberId: phone.id, waMessageId: message.id } });
  if (known) {
    return { stored: false, mediaIds: [] };
  }
  const identity = identityOf(message, value.contacts);
  if (!identity.waId && !identity.bsuid) {
    throw new Error(`Inbound message ${message.id} names no sender (no from, no user id)`);
  }
  const { contact, created: contactCreated } = await resolveContact(manager, scope, identity);
  if (contactCreated) {
    await recordEvent(manager, { ...scope, type: 'contact.created', data: ContactDto.from(contact) });
  }
  if (message.type === 'system' && message.system?.type === 'user_changed_number' && message.system.wa_id) {
    await manager.query(
      `UPDATE contacts SET wa_id = $2 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM contacts WHERE organization_id = $3 AND livemode = $4 AND wa_id = $2)`,
      [contact.id, message.system.wa_id, scope.organizationId, scope.livemode],
    );
  }
  const occurredAt = new Date(Number(message.timestamp) * 1000 || Date.now());
  const opensWindow = message.type !== 'system';

  const conversationId = newId();
  const [conversation] = (await manager.query(
    `INSERT INTO conversations (id, organization_id, livemode, phone_number_id, contact_id, last_message_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (phone_number_id, contact_id) DO UPDATE SET updated_at = now()
     RETURNING id, (xmax = 0) AS created`,
    [conversationId, scope.organizationId, scope.livemode, phone.id, contact.id, occurredAt],
  )) as { id: string; created: boolean }[];

  const content = contentOf(message);
  const mediaIds: string[] = [];
  const media = (message as unknown as Record<string, Record<string, unknown> | undefined>)[message.type];
  if (MEDIA_TYPES.has(message.type) && media?.id) {
    const mediaId = await inboundMedia(manager, phone, media);
    (content[message.type] as Record<string, unknown>).mediaId = mediaId;
    mediaIds.push(mediaId);
  }
  const messageId = newId();
  const firstError = message.errors?.[0];
  const jsonOrNull = (value: unknown) => (value ? JSON.stringify(camelCaseKeys(value)) : null);
  // Plain SQL for ON CONFLICT on the partial unique index: a concurrent duplicate is skipped, not an error.
  const inserted = (await manager.query(
    `INSERT INTO messages (id, organization_id, livemode, phone_number_id, conversation_id, contact_id, direction, type,
                           content, status, wa_message_id, context, referral, error, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'inbound', $7, $8, 'received', $9, $10, $11, $12, $13)
     ON CONFLICT (phone_number_id, wa_message_id) WHERE wa_message_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [
      messageId,
      scope.organizationId,
      scope.livemode,
      phone.id,
      conversation.id,
      contact.id,
      message.type,
      JSON.stringify(content),
      message.id,
      jsonOrNull(message.context),
      jsonOrNull(message.referral),
      firstError
        ? JSON.stringify({ code: firstError.code, title: firstError.title, details: firstError.error_data?.details })
        : null,
      occurredAt,
    ],
  )) as { id: string }[];
  if (inserted.length === 0) {
    return { stored: false, mediaIds: [] };
  }
  await manager.query(
    `UPDATE conversations SET
        unread_count = unread_count + 1,
        last_inbound_at = CASE WHEN $5 THEN GREATEST(last_inbound_at, $3) ELSE last_inbound_at END,
        last_message_id = CASE WHEN last_message_at <= $3 OR last_message_id IS NULL THEN $2 ELSE last_message_id END,
        last_message_preview = CASE WHEN last_message_at <= $3 OR last_message_id IS NULL THEN $4 ELSE last_message_preview END,
        last_message_direction = CASE WHEN last_message_at <= $3 OR last_message_id IS NULL THEN 'inbound' ELSE last_message_direction END,
        last_message_at = GREATEST(last_message_at, $3),
        updated_at = now()
      WHERE id = $1`,
    [conversation.id, messageId, occurredAt, previewOf(message.type, content), opensWindow],
  );
  if (opensWindow) {
    await manager.query(
      `UPDATE contacts SET last_inbound_at = GREATEST(last_inbound_at, $2), updated_at = date_trunc('milliseconds', now()) WHERE id = $1`,
      [contact.id, occurredAt],
    );
  }
  const stored = await manager.getRepository(Message).findOneByOrFail({ id: messageId });
  if (conversation.created) {
    const created = await manager.getRepository(Conversation).findOneByOrFail({ id: conversation.id });
    await recordEvent(manager, {
      ...scope,
      type: 'conversation.created',
      phoneNumberId: phone.id,
      data: ConversationDto.from(created, contact),
    });
  }
  await recordEvent(manager, {
    ...scope,
    type: 'message.received',
    phoneNumberId: phone.id,
    messageId,
    data: {
      ...MessageDto.from(stored),
      contactIdentifier: contactIdentifier(contact),
      contactReplyTo: contactReplyTo(contact),
    },
  });
  return { stored: true, mediaIds };
}
