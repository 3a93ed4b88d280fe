import type { EntityManager } from 'typeorm';
import { newId } from '../../../common/ids';
import { preparedQuery } from '../../../database/prepared-query';
import { Contact, contactIdentifier, contactReplyTo } from '../../contacts/contact.entity';
import { SERVICE_WINDOW_MS } from '../../conversations/conversation.entity';

/** A timestamp as `Date.prototype.toISOString` writes it (what the DTOs answer). */
export const isoSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** `ContactDto.from` of contact row `c`, built in SQL (e2e tests hold the two equal). */
export const contactJsonSql = `jsonb_build_object(
  'id', c.id, 'waId', c.wa_id, 'bsuid', c.bsuid, 'username', c.username, 'profileName', c.profile_name,
  'name', c.name, 'tags', to_jsonb(c.tags), 'attributes', c.attributes,
  'contactIdentifier', COALESCE(c.bsuid, '+' || c.wa_id, c.id::text),
  'contactReplyTo', COALESCE('+' || c.wa_id, c.bsuid),
  'lastInboundAt', ${isoSql('c.last_inbound_at')}, 'createdAt', ${isoSql('c.created_at')},
  'updatedAt', ${isoSql('c.updated_at')})`;

/**
 * The data of a `message.queued` event for message row `m` just inserted (`MessageDto.from`, its
 * metadata and, from `x`, the contact's identifier and reply-to and the accept time as `at_iso`),
 * built in SQL (e2e tests hold it equal to the API's answer). A message just queued has no Meta id,
 * error or status times yet, and its times are the accept time: formatting them here per row was a
 * noticeable share of a batch's insert.
 */
const queuedEventJsonSql = `jsonb_build_object(
  'id', m.id, 'phoneNumberId', m.phone_number_id, 'conversationId', m.conversation_id,
  'contactId', m.contact_id, 'direction', m.direction, 'type', m.type, 'content', m.content,
  'status', m.status, 'waMessageId', null, 'attempts', m.attempts, 'context', m.context, 'referral', m.referral,
  'error', null, 'occurredAt', x.at_iso, 'sentAt', null, 'deliveredAt', null, 'readAt', null, 'failedAt', null,
  'createdAt', x.at_iso, 'metadata', m.metadata,
  'contactIdentifier', x.contact_identifier, 'contactReplyTo', x.contact_reply_to)`;

/** Who a message goes to, in one organization: exactly one of phone (`waId`) and BSUID. */
export interface Recipient {
  organizationId: string;
  livemode: boolean;
  waId: string | null;
  bsuid: string | null;
  /** Templates may go to anyone, so their recipient becomes a contact; free-form content only to one who wrote. */
  createMissing: boolean;
}

export const recipientKey = (recipient: Omit<Recipient, 'createMissing'>) =>
  `${recipient.organizationId}/${recipient.livemode}/` +
  (recipient.waId ? `wa:${recipient.waId}` : `bsuid:${recipient.bsuid}`);

/** What sending needs of a contact: who it is, and how to name and reach it. */
export type RecipientContact = Pick<Contact, 'id' | 'organizationId' | 'livemode' | 'waId' | 'bsuid'>;

/**
 * The contacts of these recipients, by `recipientKey`, in any organizations: those to create are
 * created with their `contact.created` events, and every contact, new and existing, is answered in
 * one statement (its SELECT sees the table as it was before the INSERT).
 */
export async function contactsOf(
  manager: EntityManager,
  recipients: Recipient[],
): Promise<Map<string, RecipientContact>> {
  const byKey = new Map<string, Recipient>();
  for (const recipient of recipients) {
    const key = recipientKey(recipient);
    const createMissing = recipient.createMissing || !!byKey.get(key)?.createMissing;
    byKey.set(key, { ...recipient, createMissing });
  }
  // In key order, so that groups creating the same new contacts at once wait for each other instead of deadlocking.
  const unique = [...byKey.keys()].sort().map((key) => byKey.get(key)!);
  const contacts = new Map<string, RecipientContact>();
  if (unique.length === 0) {
    return contacts;
  }
  const rows = JSON.stringify(
    unique.map((recipient) => ({
      id: newId(),
      event_id: newId(),
      organization_id: recipient.organizationId,
      livemode: recipient.livemode,
      wa_id: recipient.waId,
      bsuid: recipient.bsuid,
      create_missing: recipient.createMissing,
    })),
  );
  const found = await manager.query<ContactRow[]>(CONTACTS, [rows, new Date()]);
  if (found.length < unique.length) {
    // A contact another request created meanwhile: its row was committed after the statement began.
    found.push(...(await manager.query<ContactRow[]>(EXISTING_CONTACTS, [rows])));
  }
  for (const contact of found.map((row) => ({
    id: row.id,
    organizationId: row.organization_id,
    livemode: row.livemode,
    waId: row.wa_id,
    bsuid: row.bsuid,
  }))) {
    const scope = { organizationId: contact.organizationId, livemode: contact.livemode };
    if (contact.waId) {
      contacts.set(recipientKey({ ...scope, waId: contact.waId, bsuid: null }), contact);
    }
    if (contact.bsuid) {
      contacts.set(recipientKey({ ...scope, waId: null, bsuid: contact.bsuid }), contact);
    }
  }
  return contacts;
}

const RECIPIENTS = `x AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x (id uuid, event_id uuid, organization_id uuid, livemode boolean,
                                                    wa_id text, bsuid text, create_missing boolean))`;

interface ContactRow {
  id: string;
  organization_id: string;
  livemode: boolean;
  wa_id: string | null;
  bsuid: string | null;
}

const CONTACT_COLUMNS = 'c.id, c.organization_id, c.livemode, c.wa_id, c.bsuid';

const EXISTING = `SELECT ${CONTACT_COLUMNS} FROM x JOIN contacts c
    ON c.organization_id = x.organization_id AND c.livemode = x.livemode AND c.wa_id = x.wa_id
  UNION ALL
  SELECT ${CONTACT_COLUMNS} FROM x JOIN contacts c
    ON c.organization_id = x.organization_id AND c.livemode = x.livemode AND c.bsuid = x.bsuid`;

const EXISTING_CONTACTS = `WITH ${RECIPIENTS} ${EXISTING}`;

const CONTACTS = `WITH ${RECIPIENTS},
  inserted AS (
    INSERT INTO contacts (id, organization_id, livemode, wa_id, bsuid, created_at, updated_at)
    SELECT x.id, x.organization_id, x.livemode, x.wa_id, x.bsuid, $2, $2 FROM x WHERE x.create_missing
    ON CONFLICT DO NOTHING RETURNING *),
  created AS (
    INSERT INTO events (id, organization_id, livemode, type, data)
    SELECT x.event_id, c.organization_id, c.livemode, 'contact.created', ${contactJsonSql}
      FROM inserted c JOIN x ON x.id = c.id
     ORDER BY x.event_id)
  SELECT ${CONTACT_COLUMNS} FROM inserted c UNION ALL ${EXISTING}`;

/** One outbound message to write, its contact known. */
export interface OutboundRow {
  id: string;
  organizationId: string;
  livemode: boolean;
  phoneNumberId: string;
  contact: RecipientContact;
  type: string;
  content: Record<string, unknown>;
  context: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  preview: string;
  /** Free-form content needs the customer-service window open; a template does not. */
  freeForm: boolean;
  batchId: string | null;
  /** When the API accepted it: its `occurredAt`. */
  at: Date;
}

/**
 * Writes outbound messages `queued` with their `message.queued` events, and opens or updates their
 * conversations (each message its conversation's last, the latest one where several share it), in
 * one statement; a batch's messages name it (their events carry `batchId`). A free-form message whose customer has not written to its phone in the last 24
 * hours is not written. Answers the conversation id of each message written.
 */
export async function insertOutboundMessages(
  manager: EntityManager,
  rows: OutboundRow[],
): Promise<Map<string, string>> {
  if (rows.length === 0) {
    return new Map();
  }
  const written = await preparedQuery<{ id: string; conversation_id: string }>(
    manager,
    'insert-outbound-messages',
    INSERT_MESSAGES,
    [
      JSON.stringify(
        rows.map((row) => ({
          ...messageFields(row),
          contact_id: row.contact.id,
          contact_identifier: contactIdentifier(row.contact),
          contact_reply_to: contactReplyTo(row.contact),
        })),
      ),
      SERVICE_WINDOW_MS,
    ],
  );
  return new Map(written.map((row) => [row.id, row.conversation_id]));
}

/** The new value when the message is the conversation's latest; groups written at once may commit out of order. */
const latest = (incoming: string, current: string) =>
  `CASE WHEN (EXCLUDED.last_message_at, EXCLUDED.last_message_id) >= (conversations.last_message_at, conversations.last_message_id)
     OR conversations.last_message_id IS NULL THEN ${incoming} ELSE ${current} END`;

/**
 * The CTEs that write the messages of `source` rows (message fields and the recipient's `contact_id`,
 * `contact_identifier` and `contact_reply_to`): the window check, the conversation upsert, the
 * message and its `message.queued` event. The written messages are CTE `inserted`.
 */
const messagesCtes = (source: string) => `allowed AS (
    SELECT s.* FROM ${source} s
     WHERE NOT s.free_form OR EXISTS (
       SELECT 1 FROM conversations c
        WHERE c.phone_number_id = s.phone_number_id AND c.contact_id = s.contact_id
          AND c.last_inbound_at > s.at - $2 * interval '1 millisecond')),
  conversation AS (
    INSERT INTO conversations (id, organization_id, livemode, phone_number_id, contact_id, last_message_at,
                               last_message_id, last_message_preview, last_message_direction)
    SELECT DISTINCT ON (a.phone_number_id, a.contact_id)
           a.conversation_id, a.organization_id, a.livemode, a.phone_number_id, a.contact_id, a.at, a.id, a.preview,
           'outbound'
      FROM allowed a ORDER BY a.phone_number_id, a.contact_id, a.at DESC, a.id DESC
    ON CONFLICT (phone_number_id, contact_id) DO UPDATE
      SET last_message_id = ${latest('EXCLUDED.last_message_id', 'conversations.last_message_id')},
          last_message_preview = ${latest('EXCLUDED.last_message_preview', 'conversations.last_message_preview')},
          last_message_direction = ${latest('EXCLUDED.last_message_direction', 'conversations.last_message_direction')},
          last_message_at = greatest(EXCLUDED.last_message_at, conversations.last_message_at),
          updated_at = now()
    RETURNING id, phone_number_id, contact_id),
  inserted AS (
    INSERT INTO messages (id, organization_id, livemode, phone_number_id, conversation_id, contact_id, batch_id,
                          direction, type, content, status, context, metadata, occurred_at, created_at, updated_at)
    SELECT a.id, a.organization_id, a.livemode, a.phone_number_id, c.id, a.contact_id, a.batch_id, 'outbound', a.type,
           a.content, 'queued', a.context, a.metadata, a.at, a.at, a.at
      FROM allowed a JOIN conversation c ON c.phone_number_id = a.phone_number_id AND c.contact_id = a.contact_id
    RETURNING id, organization_id, livemode, phone_number_id, conversation_id, contact_id, batch_id, direction, type,
              content, status, attempts, context, referral, metadata),
  queued AS (
    INSERT INTO events (id, organization_id, livemode, type, data, phone_number_id, message_id, message_sequence)
    SELECT x.event_id, m.organization_id, m.livemode, 'message.queued',
           ${queuedEventJsonSql} || CASE WHEN m.batch_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('batchId', m.batch_id) END,
           m.phone_number_id, m.id, 1
      FROM inserted m JOIN ${source} x ON x.id = m.id
     ORDER BY x.event_id)`;

const MESSAGE_FIELDS = `id uuid, event_id uuid, conversation_id uuid, organization_id uuid, livemode boolean, phone_number_id uuid,
      type text, content jsonb, context jsonb, metadata jsonb, preview text, free_form boolean, batch_id uuid,
      at timestamptz, at_iso text`;

const INSERT_MESSAGES = `WITH x AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x (${MESSAGE_FIELDS},
      contact_id uuid, contact_identifier text, contact_reply_to text)),
  ${messagesCtes('x')}
  SELECT id, conversation_id FROM inserted`;

/**
 * Single sends, each naming its customer one way: their new contacts (templates only: free-form
 * content goes only to a customer who wrote) with `contact.created` events, then the messages as
 * `INSERT_MESSAGES` writes them, all in one statement. A send whose contact was found answers it;
 * one written answers its conversation too.
 */
const WRITE_SENDS = `WITH x AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x (${MESSAGE_FIELDS},
      wa_id text, bsuid text, new_contact_id uuid, contact_event_id uuid)),
  new_contact AS (
    INSERT INTO contacts (id, organization_id, livemode, wa_id, bsuid, created_at, updated_at)
    SELECT DISTINCT ON (x.organization_id, x.livemode, x.wa_id, x.bsuid)
           x.new_contact_id, x.organization_id, x.livemode, x.wa_id, x.bsuid, x.at, x.at
      FROM x WHERE NOT x.free_form
     -- In key order, so that statements creating the same new contacts at once wait for each other instead of deadlocking.
     ORDER BY x.organization_id, x.livemode, x.wa_id, x.bsuid
    ON CONFLICT DO NOTHING RETURNING *),
  contact_created AS (
    INSERT INTO events (id, organization_id, livemode, type, data)
    SELECT x.contact_event_id, c.organization_id, c.livemode, 'contact.created', ${contactJsonSql}
      FROM new_contact c JOIN x ON x.new_contact_id = c.id
     ORDER BY x.contact_event_id),
  recipient AS (
    SELECT x.*, r.id AS contact_id, COALESCE(r.bsuid, '+' || r.wa_id, r.id::text) AS contact_identifier,
           COALESCE('+' || r.wa_id, r.bsuid) AS contact_reply_to
      FROM x CROSS JOIN LATERAL (
        SELECT c.id, c.wa_id, c.bsuid FROM new_contact c
         WHERE c.organization_id = x.organization_id AND c.livemode = x.livemode
           AND (c.wa_id = x.wa_id OR c.bsuid = x.bsuid)
        UNION ALL
        SELECT c.id, c.wa_id, c.bsuid FROM contacts c
         WHERE c.organization_id = x.organization_id AND c.livemode = x.livemode AND c.wa_id = x.wa_id
        UNION ALL
        SELECT c.id, c.wa_id, c.bsuid FROM contacts c
         WHERE c.organization_id = x.organization_id AND c.livemode = x.livemode AND c.bsuid = x.bsuid
        LIMIT 1) r),
  ${messagesCtes('recipient')}
  SELECT r.id, r.contact_id, m.conversation_id FROM recipient r LEFT JOIN inserted m ON m.id = r.id`;

/** One single send to write: an outbound message whose contact is named by `waId` or `bsuid`. */
export type SendToWrite = Omit<OutboundRow, 'contact' | 'batchId'> & { waId: string | null; bsuid: string | null };

/** What became of a send `writeSends` was given. */
export type SendWritten =
  | { written: true; contactId: string; conversationId: string }
  /** Free-form content to a customer who has not written (or not in the last 24 hours). */
  | { written: false; reason: 'outside-window' }
  /** Its new contact was created by another statement since this one began: write it again. */
  | { written: false; reason: 'contact-raced' };

/** Writes single sends with their contacts, conversations and events, in one statement (`WRITE_SENDS`). */
export async function writeSends(manager: EntityManager, sends: SendToWrite[]): Promise<Map<string, SendWritten>> {
  const rows = await preparedQuery<{ id: string; contact_id: string; conversation_id: string | null }>(
    manager,
    'write-sends',
    WRITE_SENDS,
    [
      JSON.stringify(
        sends.map((send) => ({
          ...messageFields({ ...send, batchId: null }),
          wa_id: send.waId,
          bsuid: send.bsuid,
          new_contact_id: newId(),
          contact_event_id: newId(),
        })),
      ),
      SERVICE_WINDOW_MS,
    ],
  );
  const found = new Map(rows.map((row) => [row.id, row]));
  return new Map(
    sends.map((send): [string, SendWritten] => {
      const row = found.get(send.id);
      if (row?.conversation_id) {
        return [send.id, { written: true, contactId: row.contact_id, conversationId: row.conversation_id }];
      }
      return [send.id, { written: false, reason: row || send.freeForm ? 'outside-window' : 'contact-raced' }];
    }),
  );
}

/** The fields of `MESSAGE_FIELDS` for a message. */
function messageFields(row: Omit<OutboundRow, 'contact'>) {
  const at = row.at.toISOString();
  return {
    id: row.id,
    event_id: newId(),
    conversation_id: newId(),
    organization_id: row.organizationId,
    livemode: row.livemode,
    phone_number_id: row.phoneNumberId,
    type: row.type,
    content: row.content,
    context: row.context,
    metadata: row.metadata,
    preview: row.preview,
    free_form: row.freeForm,
    batch_id: row.batchId,
    at,
    at_iso: at,
  };
}
