import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { metaFailure } from '../meta/meta-errors';
import { PhoneNumber } from '../phone-numbers/phone-number.entity';
import { WabasService } from '../wabas/wabas.service';
import { MessageListQueryDto } from './dto/message-query.dto';
import { MessageStatusEvent } from './message-status-event.entity';
import { Message } from './message.entity';

@Injectable()
export class MessagesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly wabas: WabasService,
  ) {}

  /** Newest first (ids are time-ordered). */
  async list(principal: ApiKeyPrincipal, query: MessageListQueryDto): Promise<Page<Message>> {
    const builder = this.dataSource
      .getRepository(Message)
      .createQueryBuilder('message')
      .where('message.organizationId = :organizationId AND message.livemode = :livemode', {
        organizationId: principal.organizationId,
        livemode: principal.livemode,
      })
      .orderBy('message.id', 'DESC')
      .limit(query.limit + 1);
    for (const field of ['phoneNumberId', 'contactId', 'conversationId', 'status', 'direction'] as const) {
      if (query[field]) {
        builder.andWhere(`message.${field} = :${field}`, { [field]: query[field] });
      }
    }
    if (query.since) {
      builder.andWhere('message.createdAt >= :since', { since: new Date(query.since) });
    }
    if (query.until) {
      builder.andWhere('message.createdAt < :until', { until: new Date(query.until) });
    }
    if (query.cursor) {
      builder.andWhere('message.id < :id', { id: decodeCursor(query.cursor) });
    }
    return toPage(await builder.getMany(), query.limit);
  }

  async get(principal: ApiKeyPrincipal, id: string): Promise<Message> {
    const message = await this.dataSource.getRepository(Message).findOneBy({
      id,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!message) {
      throw AppException.notFound('Message');
    }
    return message;
  }

  /** Every status the message reached, in the order they happened (late ones included). */
  async history(principal: ApiKeyPrincipal, id: string): Promise<MessageStatusEvent[]> {
    const message = await this.get(principal, id);
    return this.dataSource.getRepository(MessageStatusEvent).find({
      where: { messageId: message.id },
      order: { occurredAt: 'ASC', createdAt: 'ASC' },
    });
  }

  /** Sends a read receipt (and optionally a typing indicator) for an inbound message. */
  async markRead(principal: ApiKeyPrincipal, id: string, typingIndicator: boolean): Promise<Message> {
    const message = await this.get(principal, id);
    if (message.direction !== 'inbound' || !message.waMessageId) {
      throw new AppException(ErrorCode.Conflict, 'Only messages a customer sent can be marked read');
    }
    const phone = await this.dataSource.getRepository(PhoneNumber).findOneByOrFail({ id: message.phoneNumberId });
    const waba = await this.wabas.findById(phone.wabaId);
    if (!waba || waba.disconnectedAt) {
      throw new AppException(ErrorCode.Conflict, 'The WABA of this message is disconnected');
    }
    const { graph, token } = await this.wabas.access(waba);
    await graph
      .markRead(token, phone.metaPhoneNumberId, message.waMessageId, { typingIndicator })
      .catch((error: unknown) => {
        throw metaFailure(error);
      });
    if (message.status !== 'read') {
      await this.dataSource.transaction(async (manager) => {
        // Meta marks the earlier messages of the thread read too; so do we.
        await manager.query(
          `UPDATE messages SET status = 'read', read_at = COALESCE(read_at, now()), updated_at = now()
            WHERE conversation_id = $1 AND direction = 'inbound' AND status = 'received' AND occurred_at <= $2`,
          [message.conversationId, message.occurredAt],
        );
        await manager.query(
          `UPDATE conversations c SET unread_count = (SELECT count(*) FROM messages m
              WHERE m.conversation_id = c.id AND m.direction = 'inbound' AND m.status = 'received'), updated_at = now()
            WHERE c.id = $1`,
          [message.conversationId],
        );
      });
    }
    return this.get(principal, id);
  }
}
