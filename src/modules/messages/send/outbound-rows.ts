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

/** What sending needs of a contact: who it is, and how to name and reach it. */
export type RecipientContact = Pick<Contact, 'id' | 'organizationId' | 'livemode' | 'waId' | 'bsuid'>;

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
 * Outbound messages, each naming its customer one way: their new contacts (for templates only:
 * free-form content goes only to a customer who wrote) with `contact.created` events, then the
 * messages as `INSERT_MESSAGES` writes them, all in one statement. In a batch, one customer gets one
 * message: a recipient whose contact an earlier one (by `idx`) has is not written. Answers each
 * message whose contact was found, with its conversation when written.
 */
const WRITE_OUTBOUND = `WITH x AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x (${MESSAGE_FIELDS},
      idx integer, wa_id text, bsuid text, new_contact_id uuid, contact_event_id uuid)),
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
  found AS (
    SELECT x.*, c.id AS contact_id, COALESCE(c.bsuid, '+' || c.wa_id, c.id::text) AS contact_identifier,
           COALESCE('+' || c.wa_id, c.bsuid) AS contact_reply_to,
           row_number() OVER (PARTITION BY x.batch_id, c.id ORDER BY x.idx) AS nth_of_contact,
           CASE WHEN x.batch_id IS NULL THEN 2147483647 ELSE 1 END AS per_contact
      FROM x
      LEFT JOIN new_contact nw ON nw.organization_id = x.organization_id AND nw.livemode = x.livemode AND nw.wa_id = x.wa_id
      LEFT JOIN new_contact nb ON nb.organization_id = x.organization_id AND nb.livemode = x.livemode AND nb.bsuid = x.bsuid
      LEFT JOIN contacts cw ON cw.organization_id = x.organization_id AND cw.livemode = x.livemode AND cw.wa_id = x.wa_id
      LEFT JOIN contacts cb ON cb.organization_id = x.organization_id AND cb.livemode = x.livemode AND cb.bsuid = x.bsuid
      CROSS JOIN LATERAL (SELECT COALESCE(nw.id, nb.id, cw.id, cb.id) AS id, COALESCE(nw.wa_id, nb.wa_id, cw.wa_id, cb.wa_id) AS wa_id,
                                 COALESCE(nw.bsuid, nb.bsuid, cw.bsuid, cb.bsuid) AS bsuid) c),
  -- (A comparison of two columns, which the planner does not take for a rare match: it then joins
  -- the CTEs below by hashing, not row by row.)
  recipient AS (SELECT * FROM found WHERE contact_id IS NOT NULL AND nth_of_contact <= per_contact),
  ${messagesCtes('recipient')}
  SELECT f.id, f.contact_id, m.conversation_id FROM found f LEFT JOIN inserted m ON m.id = f.id
   WHERE f.contact_id IS NOT NULL`;

/** One outbound message to write: its contact is named by `waId` or `bsuid`, and found or created. */
export type OutboundToWrite = Omit<OutboundRow, 'contact'> & { waId: string | null; bsuid: string | null };

/** What became of a message `writeOutbound` was given. */
export type OutboundWritten =
  | { written: true; contactId: string; conversationId: string }
  /** Free-form content to a customer who has not written (or not in the last 24 hours). */
  | { written: false; reason: 'outside-window' }
  /** In a batch, a customer an earlier recipient already names (by phone and by BSUID, say). */
  | { written: false; reason: 'same-contact'; contactId: string }
  /** Its new contact was created by another statement since this one began: write it again. */
  | { written: false; reason: 'contact-raced' };

/** Times a message is written again because another statement created its new contact meanwhile. */
const MAX_CONTACT_RACES = 3;

/**
 * Writes outbound messages with their contacts, conversations and events, in one statement
 * (`WRITE_OUTBOUND`). Messages whose new contact another transaction created meanwhile are written
 * by a second statement, which sees it (in a transaction too: each statement sees what was
 * committed before it began).
 */
export async function writeOutbound(
  manager: EntityManager,
  messages: OutboundToWrite[],
): Promise<Map<string, OutboundWritten>> {
  const outcomes = new Map<string, OutboundWritten>();
  let pending = messages;
  for (let round = 0; pending.length > 0 && round <= MAX_CONTACT_RACES; round += 1) {
    for (const [id, outcome] of await writeOnce(manager, pending)) {
      outcomes.set(id, outcome);
    }
    pending = pending.filter((message) => {
      const outcome = outcomes.get(message.id)!;
      return !outcome.written && outcome.reason === 'contact-raced';
    });
  }
  return outcomes;
}

async function writeOnce(manager: EntityManager, messages: OutboundToWrite[]): Promise<Map<string, OutboundWritten>> {
  if (messages.length === 0) {
    return new Map();
  }
  const rows = await preparedQuery<{ id: string; contact_id: string; conversation_id: string | null }>(
    manager,
    'write-outbound',
    WRITE_OUTBOUND,
    [
      JSON.stringify(
        messages.map((message, idx) => ({
          ...messageFields(message),
          idx,
          wa_id: message.waId,
          bsuid: message.bsuid,
          new_contact_id: newId(),
          contact_event_id: newId(),
        })),
      ),
      SERVICE_WINDOW_MS,
    ],
  );
  const found = new Map(rows.map((row) => [row.id, row]));
  const writtenContacts = new Set<string>();
  return new Map(
    messages.map((message): [string, OutboundWritten] => {
      const row = found.get(message.id);
      if (!row) {
        return [message.id, { written: false, reason: message.freeForm ? 'outside-window' : 'contact-raced' }];
      }
      if (row.conversation_id) {
        writtenContacts.add(row.contact_id);
        return [message.id, { written: true, contactId: row.contact_id, conversationId: row.conversation_id }];
      }
      return [
        message.id,
        message.batchId && writtenContacts.has(row.contact_id)
          ? { written: false, reason: 'same-contact', contactId: row.contact_id }
          : { written: false, reason: 'outside-window' },
      ];
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
