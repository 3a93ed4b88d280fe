import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import type { ApiKeyPrincipal } from '../../../auth/principal';
import { AppException } from '../../../common/errors/app.exception';
import { ErrorCode } from '../../../common/errors/error-code';
import { newId } from '../../../common/ids';
import { entityFromRow } from '../../../database/entity-from-row';
import { OutboundMessageJobs } from '../../../queue/job-payloads';
import { QueueName } from '../../../queue/queue-names';
import { Contact, contactIdentifier, contactReplyTo } from '../../contacts/contact.entity';
import { SERVICE_WINDOW_MS } from '../../conversations/conversation.entity';
import { EventsService } from '../../events/events.service';
import { MediaService } from '../../media/media.service';
import { PhoneNumbersService } from '../../phone-numbers/phone-numbers.service';
import { Template } from '../../templates/template.entity';
import { BatchRecipientDto, MessageBatchSendDto } from '../dto/message-batch.dto';
import { MessageStatus } from '../message.entity';
import { MessageBatch, RejectedRecipient } from '../message-batch.entity';
import { previewOf } from '../message-content';
import { contentOf } from './message-sender.service';
import { contactJsonSql, queuedEventJsonSql } from './outbound-rows';
import { approvedTemplate, assertPhoneCanSend, assertTemplateParameters, checkedMetaBody, waIdOf } from './send-rules';

const BSUID = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;

/** A recipient that passed every check that needs no database. */
interface Candidate {
  index: number;
  waId: string | null;
  bsuid: string | null;
  content: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  messageId: string;
}

type Scope = { organizationId: string; livemode: boolean };

/**
 * One content to up to 5,000 customers. The content is checked once; each recipient is checked on
 * its own and reported when refused. The accepted messages, their contacts, conversations and events
 * are written in a few set-based statements in one transaction; one job then has a worker queue
 * their send jobs.
 */
@Injectable()
export class MessageBatchService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.OutboundMessages) private readonly queue: Queue,
    private readonly phoneNumbers: PhoneNumbersService,
    private readonly events: EventsService,
    private readonly media: MediaService,
  ) {}

  async send(
    principal: ApiKeyPrincipal,
    dto: MessageBatchSendDto,
  ): Promise<{ batch: MessageBatch; messages: { index: number; id: string }[] }> {
    const { phone, wabaConnected } = await this.phoneNumbers.getForSending(principal, dto.phoneNumberId);
    const isTemplate = dto.type === 'template';
    assertPhoneCanSend(phone, wabaConnected, isTemplate);
    // The shared content alone: when it is wrong, the whole batch is.
    checkedMetaBody({
      type: dto.type,
      content: contentOf(dto),
      to: '+10000000000',
      recipient: null,
      contextWaMessageId: null,
      messageId: newId(),
    });
    await this.media.assertSendable(principal, dto.type, contentOf(dto));
    const template = isTemplate ? await approvedTemplate(this.dataSource, phone.wabaId, dto.template ?? {}) : null;
    const rejected: RejectedRecipient[] = [];
    // Media headers a recipient's own template components name, all read at once.
    const ownComponents = dto.recipients.flatMap((recipient) =>
      Array.isArray(recipient.components) ? [{ template: { components: recipient.components } }] : [],
    );
    const checkMedia = await this.media.sendableCheck(principal, dto.type, ownComponents);
    const candidates = checkRecipients(dto, template, rejected, checkMedia);

    const scope = { organizationId: principal.organizationId, livemode: principal.livemode };
    const { batch, accepted } = await this.dataSource.transaction(async (manager) => {
      const contacts = await this.contactsOf(manager, scope, candidates, isTemplate);
      const indexOfContact = new Map<string, number>();
      const known = candidates.filter((candidate) => {
        const contact = contacts.get(keyOf(candidate));
        if (!contact) {
          // Only free-form content meets an unknown customer (templates create contacts): one who never wrote.
          rejected.push(outsideWindow(candidate.index));
          return false;
        }
        // One customer named twice, by phone and by BSUID, is one contact: it gets one message.
        const earlier = indexOfContact.get(contact.id);
        if (earlier !== undefined) {
          rejected.push(sameCustomer(candidate.index, earlier));
          return false;
        }
        indexOfContact.set(contact.id, candidate.index);
        return true;
      });
      const accepted = isTemplate ? known : await this.insideWindow(manager, phone.id, known, contacts, rejected);
      // One millisecond-precision time for the messages and their conversations' last activity (list cursors carry it).
      const now = new Date();
      const conversations = await this.openConversations(manager, scope, phone.id, dto.type, accepted, contacts, now);
      const row = manager.getRepository(MessageBatch).create({
        id: newId(),
        ...scope,
        phoneNumberId: phone.id,
        type: dto.type,
        recipients: dto.recipients.length,
        accepted: accepted.length,
        rejected: rejected.sort((a, b) => a.index - b.index),
        metadata: dto.metadata ?? null,
      });
      await manager.insert(MessageBatch, row);
      await this.insertMessages(manager, row, dto, accepted, contacts, conversations, now);
      return { batch: await manager.getRepository(MessageBatch).findOneByOrFail({ id: row.id }), accepted };
    });
    if (accepted.length > 0) {
      // One job: a worker queues the thousands of send jobs, and the reconciler stands behind it.
      await this.queue.add('queue-batch', { batchId: batch.id } satisfies OutboundMessageJobs['queue-batch'], {
        jobId: `batch-${batch.id}`,
        removeOnComplete: true,
      });
    }
    this.events.nudge();
    return { batch, messages: accepted.map(({ index, messageId }) => ({ index, id: messageId })) };
  }

  async get(principal: ApiKeyPrincipal, id: string): Promise<{ batch: MessageBatch; counts: Record<string, number> }> {
    const batch = await this.dataSource
      .getRepository(MessageBatch)
      .findOneBy({ id, organizationId: principal.organizationId, livemode: principal.livemode });
    if (!batch) {
      throw AppException.notFound('Message batch');
    }
    const rows = (await this.dataSource.query(
      `SELECT status, count(*)::int AS count FROM messages WHERE batch_id = $1 GROUP BY status`,
      [id],
    )) as { status: MessageStatus; count: number }[];
    return { batch, counts: Object.fromEntries(rows.map((row) => [row.status, row.count])) };
  }

  /**
   * The contacts of the recipients, by identity key. Templates may go to anyone, so missing contacts
   * are created; free-form messages only to customers who wrote, so none is created for them.
   */
  private async contactsOf(
    manager: EntityManager,
    scope: Scope,
    candidates: Candidate[],
    createMissing: boolean,
  ): Promise<Map<string, Contact>> {
    const waIds = candidates.flatMap((candidate) => (candidate.waId ? [candidate.waId] : []));
    const bsuids = candidates.flatMap((candidate) => (candidate.bsuid ? [candidate.bsuid] : []));
    const existing = `SELECT c.* FROM contacts c
       WHERE c.organization_id = $1 AND c.livemode = $2 AND (c.wa_id = ANY($3::text[]) OR c.bsuid = ANY($4::text[]))`;
    const params = [scope.organizationId, scope.livemode, waIds, bsuids];
    const insert = createMissing && candidates.length > 0;
    const rows = (await manager.query(
      insert ? createContacts(existing) : existing,
      insert
        ? [
            ...params,
            new Date(),
            JSON.stringify(
              candidates.map(({ waId, bsuid }) => ({ id: newId(), event_id: newId(), wa_id: waId, bsuid })),
            ),
          ]
        : params,
    )) as Record<string, unknown>[];
    if (insert && rows.length < candidates.length) {
      // A contact another request created meanwhile: its row was committed after this statement began.
      rows.push(...((await manager.query(existing, params)) as typeof rows));
    }
    const contacts = new Map<string, Contact>();
    for (const contact of rows.map((row) => entityFromRow(manager, Contact, row))) {
      if (contact.waId) {
        contacts.set(`wa:${contact.waId}`, contact);
      }
      if (contact.bsuid) {
        contacts.set(`bsuid:${contact.bsuid}`, contact);
      }
    }
    return contacts;
  }

  /** The candidates who wrote to this phone in the last 24 hours; the others are rejected. */
  private async insideWindow(
    manager: EntityManager,
    phoneNumberId: string,
    candidates: Candidate[],
    contacts: Map<string, Contact>,
    rejected: RejectedRecipient[],
  ): Promise<Candidate[]> {
    const rows = (await manager.query(
      `SELECT contact_id FROM conversations
        WHERE phone_number_id = $1 AND contact_id = ANY($2::uuid[]) AND last_inbound_at > now() - $3 * interval '1 millisecond'`,
      [phoneNumberId, candidates.map((candidate) => contacts.get(keyOf(candidate))!.id), SERVICE_WINDOW_MS],
    )) as { contact_id: string }[];
    const open = new Set(rows.map((row) => row.contact_id));
    return candidates.filter((candidate) => {
      if (open.has(contacts.get(keyOf(candidate))!.id)) {
        return true;
      }
      rejected.push(outsideWindow(candidate.index));
      return false;
    });
  }

  /**
   * The conversation id of each recipient on this phone (created when missing), by contact id, with
   * the recipient's message already recorded as its last.
   */
  private async openConversations(
    manager: EntityManager,
    scope: Scope,
    phoneNumberId: string,
    type: string,
    candidates: Candidate[],
    contacts: Map<string, Contact>,
    now: Date,
  ): Promise<Map<string, string>> {
    const rows = (await manager.query(
      `INSERT INTO conversations (id, organization_id, livemode, phone_number_id, contact_id, last_message_at,
                                  last_message_id, last_message_preview, last_message_direction)
       SELECT x.id, $1, $2, $3, x.contact_id, $5, x.message_id, x.preview, 'outbound'
         FROM jsonb_to_recordset($4::jsonb) AS x (id uuid, contact_id uuid, message_id uuid, preview text)
       ON CONFLICT (phone_number_id, contact_id) DO UPDATE
         SET last_message_id = EXCLUDED.last_message_id, last_message_at = EXCLUDED.last_message_at,
             last_message_preview = EXCLUDED.last_message_preview, last_message_direction = 'outbound',
             updated_at = now()
       RETURNING id, contact_id`,
      [
        scope.organizationId,
        scope.livemode,
        phoneNumberId,
        JSON.stringify(
          candidates.map((candidate) => ({
            id: newId(),
            contact_id: contacts.get(keyOf(candidate))!.id,
            message_id: candidate.messageId,
            preview: previewOf(type, candidate.content),
          })),
        ),
        now,
      ],
    )) as { id: string; contact_id: string }[];
    return new Map(rows.map((row) => [row.contact_id, row.id]));
  }

  /**
   * The messages and their `message.queued` events in one statement. The event is built in SQL from
   * the stored row, as `MessageDto.from` would (the batch e2e test holds the two equal): 5,000
   * events then cost no JSON round trip.
   */
  private async insertMessages(
    manager: EntityManager,
    batch: MessageBatch,
    dto: MessageBatchSendDto,
    accepted: Candidate[],
    contacts: Map<string, Contact>,
    conversations: Map<string, string>,
    now: Date,
  ): Promise<void> {
    if (accepted.length === 0) {
      return;
    }
    await manager.query(
      `WITH x AS (
         SELECT * FROM jsonb_to_recordset($7::jsonb) AS x (id uuid, event_id uuid, conversation_id uuid, contact_id uuid,
                                                           content jsonb, metadata jsonb, contact_identifier text,
                                                           contact_reply_to text)),
       inserted AS (
         INSERT INTO messages (id, organization_id, livemode, phone_number_id, conversation_id, contact_id, batch_id,
                               direction, type, content, status, metadata, occurred_at, created_at, updated_at)
         SELECT x.id, $1, $2, $3, x.conversation_id, x.contact_id, $4, 'outbound', $5, x.content, 'queued', x.metadata,
                $6, $6, $6
           FROM x
         RETURNING *)
       INSERT INTO events (id, organization_id, livemode, type, data, phone_number_id, message_id, message_sequence)
       SELECT x.event_id, m.organization_id, m.livemode, 'message.queued',
              ${queuedEventJsonSql} || jsonb_build_object('batchId', m.batch_id),
              m.phone_number_id, m.id, 1
         FROM inserted m JOIN x ON x.id = m.id
        ORDER BY x.event_id`,
      [
        batch.organizationId,
        batch.livemode,
        batch.phoneNumberId,
        batch.id,
        dto.type,
        now,
        JSON.stringify(
          accepted.map((candidate) => {
            const contact = contacts.get(keyOf(candidate))!;
            return {
              id: candidate.messageId,
              event_id: newId(),
              conversation_id: conversations.get(contact.id)!,
              contact_id: contact.id,
              content: candidate.content,
              metadata: candidate.metadata,
              contact_identifier: contactIdentifier(contact),
              contact_reply_to: contactReplyTo(contact),
            };
          }),
        ),
      ],
    );
  }
}

/** The checks each recipient gets without the database; refused ones land in `rejected`. */
function checkRecipients(
  dto: MessageBatchSendDto,
  template: Template | null,
  rejected: RejectedRecipient[],
  checkMedia: (content: Record<string, unknown>) => void,
): Candidate[] {
  const shared = contentOf(dto);
  const firstIndexOf = new Map<string, number>();
  const candidates: Candidate[] = [];
  dto.recipients.forEach((recipient, index) => {
    const field = `recipients[${index}]`;
    try {
      const { waId, bsuid } = identityOf(recipient, field);
      const key = waId ? `wa:${waId}` : `bsuid:${bsuid}`;
      const earlier = firstIndexOf.get(key);
      if (earlier !== undefined) {
        throw AppException.validation(`The same customer as recipients[${earlier}]`, [
          { field, message: 'duplicate recipient' },
        ]);
      }
      firstIndexOf.set(key, index);
      const content = recipient.components
        ? { template: { ...dto.template, components: recipient.components } }
        : shared;
      if (recipient.components !== undefined && (!template || !Array.isArray(recipient.components))) {
        throw AppException.validation('components is an array, for templates only', [
          { field: `${field}.components`, message: 'components is an array, for templates only' },
        ]);
      }
      if (recipient.metadata !== undefined && !isPlainObject(recipient.metadata)) {
        throw AppException.validation('metadata must be an object', [
          { field: `${field}.metadata`, message: 'metadata must be an object' },
        ]);
      }
      const messageId = newId();
      checkedMetaBody(
        { type: dto.type, content, to: waId && `+${waId}`, recipient: bsuid, contextWaMessageId: null, messageId },
        `${field}.`,
      );
      if (template) {
        assertTemplateParameters(template, (content.template as Record<string, unknown>).components);
      }
      if (recipient.components) {
        checkMedia(content);
      }
      const metadata = dto.metadata || recipient.metadata ? { ...dto.metadata, ...recipient.metadata } : null;
      candidates.push({ index, waId, bsuid, content, metadata, messageId });
    } catch (error) {
      if (!(error instanceof AppException)) {
        throw error;
      }
      const details = Array.isArray(error.details) ? error.details : [];
      // A recipient's own components are `recipients[i].components`, not the shared `template.components`.
      const detailField = details[0]?.field?.replace(/^template\.components/, `${field}.components`);
      rejected.push({ index, code: error.code, message: error.message, field: detailField ?? field });
    }
  });
  return candidates;
}

function identityOf(recipient: BatchRecipientDto, field: string): { waId: string | null; bsuid: string | null } {
  const { to, recipient: bsuid } = recipient;
  if ((to === undefined) === (bsuid === undefined)) {
    throw AppException.validation('Give exactly one of to (a phone) and recipient (a BSUID)', [
      { field, message: 'give exactly one of to and recipient' },
    ]);
  }
  if (to !== undefined) {
    const waId = typeof to === 'string' ? waIdOf(to) : '';
    if (!/^\d{6,15}$/.test(waId)) {
      throw AppException.validation('to is not a phone number', [
        { field: `${field}.to`, message: 'not a phone number' },
      ]);
    }
    return { waId, bsuid: null };
  }
  if (typeof bsuid !== 'string' || !BSUID.test(bsuid)) {
    throw AppException.validation('recipient is not a BSUID', [
      { field: `${field}.recipient`, message: 'not a business-scoped user id' },
    ]);
  }
  return { waId: null, bsuid };
}

function keyOf(candidate: Candidate): string {
  return candidate.waId ? `wa:${candidate.waId}` : `bsuid:${candidate.bsuid}`;
}

function sameCustomer(index: number, earlier: number): RejectedRecipient {
  return {
    index,
    code: ErrorCode.ValidationError,
    message: `The same customer as recipients[${earlier}]`,
    field: `recipients[${index}]`,
  };
}

function outsideWindow(index: number): RejectedRecipient {
  return {
    index,
    code: ErrorCode.OutsideCustomerServiceWindow,
    message: 'The customer has not written to this number in the last 24 hours: only a template may be sent',
    field: `recipients[${index}]`,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Creates the missing contacts with their `contact.created` events (built in SQL as `ContactDto.from`
 * would; the batch e2e test holds the two equal) and answers every contact, new and existing, in
 * one statement: its SELECT sees the table as it was before the INSERT.
 */
function createContacts(existing: string): string {
  return `WITH x AS (
      SELECT * FROM jsonb_to_recordset($6::jsonb) AS x (id uuid, event_id uuid, wa_id text, bsuid text)),
    inserted AS (
      INSERT INTO contacts (id, organization_id, livemode, wa_id, bsuid, created_at, updated_at)
      SELECT x.id, $1, $2, x.wa_id, x.bsuid, $5, $5 FROM x
      ON CONFLICT DO NOTHING RETURNING *),
    created AS (
      INSERT INTO events (id, organization_id, livemode, type, data)
      SELECT x.event_id, c.organization_id, c.livemode, 'contact.created',
             ${contactJsonSql}
        FROM inserted c JOIN x ON x.id = c.id
       ORDER BY x.event_id)
    SELECT * FROM inserted UNION ALL ${existing}`;
}
