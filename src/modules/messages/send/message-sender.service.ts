import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../../auth/principal';
import { AppException } from '../../../common/errors/app.exception';
import { ErrorCode } from '../../../common/errors/error-code';
import { newId } from '../../../common/ids';
import { Contact, contactIdentifier, contactReplyTo } from '../../contacts/contact.entity';
import { EventsService } from '../../events/events.service';
import { MediaService } from '../../media/media.service';
import { recordEvent } from '../../events/record-event';
import { MessageDto } from '../dto/message.dto';
import { MessageContentDto, MessageSendDto } from '../dto/message-send.dto';
import { Message } from '../message.entity';
import { MessageWriterService } from './message-writer.service';
import { assertStorableText, checkedMetaBody, waIdOf } from './send-rules';

/**
 * Accepts a message: every rule Meta would enforce is checked here (limits, window, phone,
 * template), the message is stored `queued` with its event, and its delivery job queued.
 */
@Injectable()
export class MessageSenderService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: MessageWriterService,
    private readonly events: EventsService,
    private readonly media: MediaService,
  ) {}

  /**
   * Checks what needs no database here (Meta's limits, the recipient, the quoted message, media);
   * the phone, template and window rules are checked as the message is written.
   */
  async send(principal: ApiKeyPrincipal, dto: MessageSendDto): Promise<Message> {
    const waId = dto.to ? waIdOf(dto.to) : undefined;
    if (!waId && !dto.recipient) {
      throw AppException.validation('Invalid request: give to or recipient', [
        { field: 'to', message: 'to (a phone) or recipient (a BSUID) is required' },
      ]);
    }
    const content = contentOf(dto);
    assertStorableText(content, '');
    assertStorableText(dto.metadata, 'metadata');
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
    return this.writer.write({
      messageId,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
      phoneNumberId: dto.phoneNumberId,
      waId: waId ?? null,
      bsuid: dto.recipient ?? null,
      type: dto.type,
      content,
      context: quoted ? { id: quoted } : null,
      metadata: dto.metadata ?? null,
      acceptedAt: new Date(),
    });
  }

  /** Cancels a message still waiting in the queue. */
  async cancel(principal: ApiKeyPrincipal, id: string): Promise<Message> {
    const cancelled = await this.dataSource.transaction(async (manager) => {
      // The status history keeps the cancellation, as it keeps every change.
      const rows = (await manager.query(
        `WITH cancelled AS (
           UPDATE messages SET status = 'cancelled', updated_at = now()
            WHERE id = $1 AND organization_id = $2 AND livemode = $3 AND status = 'queued' RETURNING id, updated_at)
         INSERT INTO message_status_events (id, message_id, status, occurred_at)
         SELECT $4, id, 'cancelled', updated_at FROM cancelled RETURNING message_id AS id`,
        [id, principal.organizationId, principal.livemode, newId()],
      )) as { id: string }[];
      if (rows.length === 0) {
        return null;
      }
      const message = await manager.getRepository(Message).findOneByOrFail({ id });
      // Names the customer, as every other event of the message does.
      const contact = message.contactId
        ? await manager.getRepository(Contact).findOneBy({ id: message.contactId })
        : null;
      await recordEvent(manager, {
        organizationId: message.organizationId,
        livemode: message.livemode,
        type: 'message.cancelled',
        phoneNumberId: message.phoneNumberId,
        messageId: message.id,
        data: {
          ...MessageDto.from(message),
          metadata: message.metadata,
          contactIdentifier: contact ? contactIdentifier(contact) : null,
          contactReplyTo: contact ? contactReplyTo(contact) : null,
        },
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
    // Another organization's message is not found, like one that never existed (design §1.2).
    if (!message) {
      throw new AppException(ErrorCode.NotFound, 'Message not found', [
        { field: 'replyTo', message: 'no such message in your organization' },
      ]);
    }
    if (!message.waMessageId) {
      throw AppException.validation('Invalid request: replyTo names no message that reached WhatsApp', [
        { field: 'replyTo', message: 'the message never reached WhatsApp' },
      ]);
    }
    return message.waMessageId;
  }
}

/** The type's object under the type's name, as messages store it. */
export function contentOf(dto: MessageContentDto): Record<string, unknown> {
  return { [dto.type]: (dto as unknown as Record<string, unknown>)[dto.type] };
}
