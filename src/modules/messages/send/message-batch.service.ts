import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../../auth/principal';
import { AppException } from '../../../common/errors/app.exception';
import { ErrorCode } from '../../../common/errors/error-code';
import { newId } from '../../../common/ids';
import { OutboundMessageJobs } from '../../../queue/job-payloads';
import { QueueName } from '../../../queue/queue-names';
import { EventsService } from '../../events/events.service';
import { MediaService } from '../../media/media.service';
import { PhoneNumbersService } from '../../phone-numbers/phone-numbers.service';
import { Template } from '../../templates/template.entity';
import { BatchRecipientDto, MessageBatchSendDto } from '../dto/message-batch.dto';
import { MessageStatus } from '../message.entity';
import { MessageBatch, RejectedRecipient } from '../message-batch.entity';
import { previewOf } from '../message-content';
import { contentOf } from './message-sender.service';
import { writeOutbound } from './outbound-rows';
import {
  approvedTemplate,
  assertPhoneCanSend,
  assertStorableText,
  assertTemplateParameters,
  checkedMetaBody,
  waIdOf,
} from './send-rules';

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
    assertStorableText(contentOf(dto), '');
    assertStorableText(dto.metadata, 'metadata');
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
    const batchId = newId();
    // One millisecond-precision time for the messages and their conversations' last activity (list cursors carry it).
    const now = new Date();
    const { batch, accepted } = await this.dataSource.transaction(async (manager) => {
      const written = await writeOutbound(
        manager,
        candidates.map((candidate) => ({
          id: candidate.messageId,
          ...scope,
          phoneNumberId: phone.id,
          waId: candidate.waId,
          bsuid: candidate.bsuid,
          type: dto.type,
          content: candidate.content,
          context: null,
          metadata: candidate.metadata,
          preview: previewOf(dto.type, candidate.content),
          freeForm: !isTemplate,
          batchId,
          at: now,
        })),
      );
      const indexOfContact = new Map<string, number>();
      const accepted = candidates.filter((candidate) => {
        const outcome = written.get(candidate.messageId)!;
        if (outcome.written) {
          indexOfContact.set(outcome.contactId, candidate.index);
        } else if (outcome.reason === 'same-contact') {
          // One customer named twice, by phone and by BSUID, is one contact: it gets one message.
          rejected.push(sameCustomer(candidate.index, indexOfContact.get(outcome.contactId)!));
        } else if (outcome.reason === 'outside-window') {
          rejected.push(outsideWindow(candidate.index));
        } else {
          // Rolls the batch back: other requests kept creating this recipient's contact (not seen in practice).
          throw new AppException(
            ErrorCode.Conflict,
            'Other requests were creating contacts of this batch at the same time: send it again',
          );
        }
        return outcome.written;
      });
      const batch = manager.getRepository(MessageBatch).create({
        id: batchId,
        ...scope,
        phoneNumberId: phone.id,
        type: dto.type,
        recipients: dto.recipients.length,
        accepted: accepted.length,
        rejected: rejected.sort((a, b) => a.index - b.index),
        metadata: dto.metadata ?? null,
        createdAt: now,
      });
      await manager.insert(MessageBatch, batch);
      return { batch, accepted };
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
}

/** The checks each recipient gets without the database; refused ones land in `rejected`. */
function checkRecipients(
  dto: MessageBatchSendDto,
  template: Template | null,
  rejected: RejectedRecipient[],
  checkMedia: (content: Record<string, unknown>) => void,
): Candidate[] {
  const shared = contentOf(dto);
  // Recipients without components of their own get the shared content, whose Meta body was checked
  // up front: its template parameters are checked once here, for all of them.
  const sharedProblem = template
    ? problemOf(() => assertTemplateParameters(template, templateComponents(shared)))
    : null;
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
      assertStorableText(recipient.components, `${field}.components`);
      assertStorableText(recipient.metadata, `${field}.metadata`);
      const messageId = newId();
      if (recipient.components) {
        checkedMetaBody(
          { type: dto.type, content, to: waId && `+${waId}`, recipient: bsuid, contextWaMessageId: null, messageId },
          `${field}.`,
        );
        assertTemplateParameters(template!, templateComponents(content));
        checkMedia(content);
      } else if (sharedProblem) {
        throw sharedProblem;
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

function templateComponents(content: Record<string, unknown>): unknown {
  return (content.template as Record<string, unknown>).components;
}

/** The error `check` throws, or null. */
function problemOf(check: () => void): unknown {
  try {
    check();
    return null;
  } catch (error) {
    return error;
  }
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
