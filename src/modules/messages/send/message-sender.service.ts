import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../../auth/principal';
import { AppException } from '../../../common/errors/app.exception';
import { ErrorCode } from '../../../common/errors/error-code';
import { newId } from '../../../common/ids';
import { preparedQuery } from '../../../database/prepared-query';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { QueueName } from '../../../queue/queue-names';
import { resolveContact } from '../../contacts/contact-identity';
import { contactIdentifier, contactReplyTo } from '../../contacts/contact.entity';
import { ContactDto } from '../../contacts/dto/contact.dto';
import { SERVICE_WINDOW_MS } from '../../conversations/conversation.entity';
import { EventsService } from '../../events/events.service';
import { MediaService } from '../../media/media.service';
import { recordEvent } from '../../events/record-event';
import { PhoneNumbersService } from '../../phone-numbers/phone-numbers.service';
import { MessageDto } from '../dto/message.dto';
import { MessageContentDto, MessageSendDto } from '../dto/message-send.dto';
import { Message } from '../message.entity';
import { previewOf } from '../message-content';
import { sendJob } from './send-job';
import { approvedTemplate, assertPhoneCanSend, assertTemplateParameters, checkedMetaBody, waIdOf } from './send-rules';

/**
 * Accepts a message: every rule Meta would enforce is checked here (limits, window, phone,
 * template), the message is stored `queued` with its event, and its delivery job queued.
 */
@Injectable()
export class MessageSenderService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.OutboundMessages) private readonly queue: Queue,
    private readonly phoneNumbers: PhoneNumbersService,
    private readonly events: EventsService,
    private readonly media: MediaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async send(principal: ApiKeyPrincipal, dto: MessageSendDto): Promise<Message> {
    const { phone, wabaConnected } = await this.phoneNumbers.getForSending(principal, dto.phoneNumberId);
    const isTemplate = dto.type === 'template';
    assertPhoneCanSend(phone, wabaConnected, isTemplate);
    const waId = dto.to ? waIdOf(dto.to) : undefined;
    if (!waId && !dto.recipient) {
      throw AppException.validation('Invalid request: give to or recipient', [
        { field: 'to', message: 'to (a phone) or recipient (a BSUID) is required' },
      ]);
    }
    const content = contentOf(dto);
    const messageId = newId();
    const quoted = dto.replyTo ? await this.quoted(principal, dto.replyTo) : null;
    checkedMetaBody({
      type: dto.type,
      content,
      to: waId ? `+${waId}` : null,
      recipient: dto.recipient ?? null,
      contextWaMessageId: quoted,
      messageId,
    });
    await this.media.assertSendable(principal, dto.type, content);
    if (isTemplate) {
      const template = await approvedTemplate(this.dataSource, phone.wabaId, dto.template ?? {});
      assertTemplateParameters(template, dto.template?.components);
    }

    const scope = { organizationId: principal.organizationId, livemode: principal.livemode };
    const message = await this.dataSource.transaction(async (manager) => {
      const { contact, created } = await resolveContact(manager, scope, { waId, bsuid: dto.recipient });
      if (created) {
        await recordEvent(manager, { ...scope, type: 'contact.created', data: ContactDto.from(contact) });
      }
      const now = new Date();
      const message: Message = {
        id: messageId,
        ...scope,
        phoneNumberId: phone.id,
        conversationId: null,
        contactId: contact.id,
        batchId: null,
        direction: 'outbound',
        type: dto.type,
        content,
        status: 'queued',
        waMessageId: null,
        context: quoted ? { id: quoted } : null,
        referral: null,
        metadata: dto.metadata ?? null,
        error: null,
        occurredAt: now,
        sentAt: null,
        deliveredAt: null,
        readAt: null,
        failedAt: null,
        dueAt: null,
        createdAt: now,
        updatedAt: now,
      };
      // The conversation (opened if need be, the message as its last) and the message with its event,
      // in one statement; the message is written only inside the customer-service window, or for a
      // template. Otherwise the transaction is rolled back.
      const [row] = (await preparedQuery(
        manager,
        'send-message',
        `WITH conversation AS (
           INSERT INTO conversations (id, organization_id, livemode, phone_number_id, contact_id, last_message_at,
                                      last_message_id, last_message_preview, last_message_direction)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'outbound')
           ON CONFLICT (phone_number_id, contact_id) DO UPDATE
             SET last_message_id = EXCLUDED.last_message_id, last_message_at = EXCLUDED.last_message_at,
                 last_message_preview = EXCLUDED.last_message_preview, last_message_direction = 'outbound',
                 updated_at = now()
           RETURNING id, last_inbound_at),
         message AS (
           INSERT INTO messages (id, organization_id, livemode, phone_number_id, conversation_id, contact_id, direction,
                                 type, content, status, context, metadata, occurred_at, created_at, updated_at)
           SELECT $7, $2, $3, $4, conversation.id, $5, 'outbound', $9, $10, 'queued', $11, $12, $6, $6, $6
             FROM conversation
            WHERE $13 OR conversation.last_inbound_at > $6::timestamptz - $14 * interval '1 millisecond'
           RETURNING id, conversation_id)
         SELECT message.id AS message_id, conversation.id AS conversation_id FROM conversation LEFT JOIN message ON true`,
        [
          newId(),
          scope.organizationId,
          scope.livemode,
          phone.id,
          contact.id,
          now,
          messageId,
          previewOf(dto.type, content as Record<string, unknown>),
          dto.type,
          JSON.stringify(content),
          message.context && JSON.stringify(message.context),
          message.metadata && JSON.stringify(message.metadata),
          isTemplate,
          SERVICE_WINDOW_MS,
        ],
      )) as { message_id: string | null; conversation_id: string }[];
      if (!row.message_id) {
        throw new AppException(
          ErrorCode.OutsideCustomerServiceWindow,
          'The customer has not written to this number in the last 24 hours: only a template may be sent',
        );
      }
      message.conversationId = row.conversation_id;
      await recordEvent(manager, {
        ...scope,
        type: 'message.queued',
        phoneNumberId: phone.id,
        messageId,
        data: {
          ...MessageDto.from(message),
          metadata: message.metadata,
          contactIdentifier: contactIdentifier(contact),
          contactReplyTo: contactReplyTo(contact),
        },
      });
      return message;
    });
    // The message is stored before the job exists: a lost job is found and queued again by the reconciler.
    const job = sendJob(this.config, messageId, phone.id);
    await this.queue.add(job.name, job.data, job.opts);
    this.events.nudge();
    return message;
  }

  /** Cancels a message still waiting in the queue. */
  async cancel(principal: ApiKeyPrincipal, id: string): Promise<Message> {
    const cancelled = await this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE messages SET status = 'cancelled', updated_at = now()
          WHERE id = $1 AND organization_id = $2 AND livemode = $3 AND status = 'queued' RETURNING id`,
        [id, principal.organizationId, principal.livemode],
      )) as [{ id: string }[], number];
      if (rows.length === 0) {
        return null;
      }
      const message = await manager.getRepository(Message).findOneByOrFail({ id });
      await recordEvent(manager, {
        organizationId: message.organizationId,
        livemode: message.livemode,
        type: 'message.cancelled',
        phoneNumberId: message.phoneNumberId,
        messageId: message.id,
        data: { ...MessageDto.from(message), metadata: message.metadata },
      });
      return message;
    });
    if (!cancelled) {
      const existing = await this.dataSource
        .getRepository(Message)
        .findOneBy({ id, organizationId: principal.organizationId, livemode: principal.livemode });
      if (!existing) {
        throw AppException.notFound('Message');
      }
      throw new AppException(
        ErrorCode.Conflict,
        `Only a queued message can be cancelled; this one is ${existing.status}`,
      );
    }
    this.events.nudge();
    return cancelled;
  }

  private async quoted(principal: ApiKeyPrincipal, replyTo: string): Promise<string> {
    const message = await this.dataSource
      .getRepository(Message)
      .findOneBy({ id: replyTo, organizationId: principal.organizationId, livemode: principal.livemode });
    if (!message?.waMessageId) {
      throw AppException.validation('Invalid request: replyTo names no message that reached WhatsApp', [
        { field: 'replyTo', message: 'unknown message' },
      ]);
    }
    return message.waMessageId;
  }
}

/** The type's object under the type's name, as messages store it. */
export function contentOf(dto: MessageContentDto): Record<string, unknown> {
  return { [dto.type]: (dto as unknown as Record<string, unknown>)[dto.type] };
}
