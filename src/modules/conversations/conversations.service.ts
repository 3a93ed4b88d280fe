import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { decodeTimedCursor, toTimedPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { Contact } from '../contacts/contact.entity';
import { Message } from '../messages/message.entity';
import { MessagesService } from '../messages/messages.service';
import { Conversation } from './conversation.entity';
import { ConversationListQueryDto } from './dto/conversation-list-query.dto';

export interface ConversationWithContact {
  conversation: Conversation;
  contact: Contact;
}

@Injectable()
export class ConversationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messagesService: MessagesService,
  ) {}

  /** Newest activity first. A conversation that gets a new message moves to the top of later pages' start. */
  async list(principal: ApiKeyPrincipal, query: ConversationListQueryDto): Promise<Page<ConversationWithContact>> {
    const builder = this.dataSource
      .getRepository(Conversation)
      .createQueryBuilder('conversation')
      .where('conversation.organizationId = :organizationId AND conversation.livemode = :livemode', {
        organizationId: principal.organizationId,
        livemode: principal.livemode,
      })
      .orderBy('conversation.lastMessageAt', 'DESC')
      .addOrderBy('conversation.id', 'DESC')
      .limit(query.limit + 1);
    if (query.phoneNumberId) {
      builder.andWhere('conversation.phoneNumberId = :phoneNumberId', { phoneNumberId: query.phoneNumberId });
    }
    if (query.contactId) {
      builder.andWhere('conversation.contactId = :contactId', { contactId: query.contactId });
    }
    if (query.unread === true) {
      builder.andWhere('conversation.unreadCount > 0');
    }
    if (query.unread === false) {
      builder.andWhere('conversation.unreadCount = 0');
    }
    if (query.cursor) {
      const { at, id } = decodeTimedCursor(query.cursor);
      builder.andWhere('(conversation.lastMessageAt, conversation.id) < (:at, :id)', { at, id });
    }
    const page = toTimedPage(await builder.getMany(), query.limit, (conversation) => conversation.lastMessageAt);
    const contacts = await this.contactsById(page.items.map((conversation) => conversation.contactId));
    return page.map((conversation) => ({ conversation, contact: contacts.get(conversation.contactId)! }));
  }

  async get(principal: ApiKeyPrincipal, id: string): Promise<ConversationWithContact> {
    const conversation = await this.dataSource.getRepository(Conversation).findOneBy({
      id,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!conversation) {
      throw AppException.notFound('Conversation');
    }
    const contact = await this.dataSource.getRepository(Contact).findOneByOrFail({ id: conversation.contactId });
    return { conversation, contact };
  }

  /** Newest first, for infinite scroll upwards. */
  async messages(principal: ApiKeyPrincipal, id: string, limit: number, cursor?: string): Promise<Page<Message>> {
    const { conversation } = await this.get(principal, id);
    const builder = this.dataSource
      .getRepository(Message)
      .createQueryBuilder('message')
      .where('message.conversationId = :conversationId', { conversationId: conversation.id })
      .orderBy('message.occurredAt', 'DESC')
      .addOrderBy('message.id', 'DESC')
      .limit(limit + 1);
    if (cursor) {
      const key = decodeTimedCursor(cursor);
      builder.andWhere('(message.occurredAt, message.id) < (:at, :id)', key);
    }
    return toTimedPage(await builder.getMany(), limit, (message) => message.occurredAt);
  }

  /**
   * Marks the conversation read: the newest inbound message, at Meta and here, which marks the
   * earlier ones too. Nothing to mark is not an error.
   */
  async markRead(principal: ApiKeyPrincipal, id: string): Promise<ConversationWithContact> {
    const { conversation } = await this.get(principal, id);
    const latest = await this.dataSource.getRepository(Message).findOne({
      where: { conversationId: conversation.id, direction: 'inbound' },
      order: { occurredAt: 'DESC', id: 'DESC' },
    });
    if (latest && latest.status !== 'read') {
      await this.messagesService.markRead(principal, latest.id, false);
    }
    return this.get(principal, id);
  }

  private async contactsById(ids: string[]): Promise<Map<string, Contact>> {
    if (ids.length === 0) {
      return new Map();
    }
    const contacts = await this.dataSource
      .getRepository(Contact)
      .createQueryBuilder('contact')
      .whereInIds([...new Set(ids)])
      .getMany();
    return new Map(contacts.map((contact) => [contact.id, contact]));
  }
}
