import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { decodeTimedCursor, toTimedPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { resolveContact } from './contact-identity';
import { EventsService } from '../events/events.service';
import { recordEvent } from '../events/record-event';
import { Contact } from './contact.entity';
import { ContactDto } from './dto/contact.dto';
import { ContactListQueryDto, ContactUpdateDto, ContactUpsertDto } from './dto/contact-write.dto';

@Injectable()
export class ContactsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  /** Most recently updated first; `search` matches phone digits, names and username. */
  async list(principal: ApiKeyPrincipal, query: ContactListQueryDto): Promise<Page<Contact>> {
    const builder = this.dataSource
      .getRepository(Contact)
      .createQueryBuilder('contact')
      .where('contact.organizationId = :organizationId AND contact.livemode = :livemode', {
        organizationId: principal.organizationId,
        livemode: principal.livemode,
      })
      .orderBy('contact.updatedAt', 'DESC')
      .addOrderBy('contact.id', 'DESC')
      .limit(query.limit + 1);
    if (query.search) {
      const text = `%${query.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
      const digits = query.search.replace(/\D/g, '');
      builder.andWhere(
        `(contact.name ILIKE :text OR contact.profileName ILIKE :text OR contact.username ILIKE :text
          ${digits.length >= 3 ? 'OR contact.waId LIKE :digits' : ''})`,
        { text, digits: `%${digits}%` },
      );
    }
    if (query.tag) {
      builder.andWhere(':tag = ANY(contact.tags)', { tag: query.tag });
    }
    if (query.cursor) {
      builder.andWhere('(contact.updatedAt, contact.id) < (:at, :id)', decodeTimedCursor(query.cursor));
    }
    return toTimedPage(await builder.getMany(), query.limit, (contact) => contact.updatedAt);
  }

  async get(principal: ApiKeyPrincipal, id: string): Promise<Contact> {
    const contact = await this.dataSource.getRepository(Contact).findOneBy({
      id,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!contact) {
      throw AppException.notFound('Contact');
    }
    return contact;
  }

  /** Finds the contact by phone or BSUID (merging them when both name different contacts), then applies the fields. */
  async upsert(principal: ApiKeyPrincipal, dto: ContactUpsertDto): Promise<{ contact: Contact; created: boolean }> {
    return this.dataSource
      .transaction(async (manager) => {
        const scope = { organizationId: principal.organizationId, livemode: principal.livemode };
        const { contact, created } = await resolveContact(manager, scope, {
          waId: dto.phone?.slice(1),
          bsuid: dto.bsuid,
        });
        await this.apply(manager.getRepository(Contact), contact, dto);
        await recordEvent(manager, {
          ...scope,
          type: created ? 'contact.created' : 'contact.updated',
          data: ContactDto.from(contact),
        });
        return { contact, created };
      })
      .finally(() => this.events.nudge());
  }

  async update(principal: ApiKeyPrincipal, id: string, dto: ContactUpdateDto): Promise<Contact> {
    const contact = await this.get(principal, id);
    await this.dataSource.transaction(async (manager) => {
      await this.apply(manager.getRepository(Contact), contact, dto);
      await recordEvent(manager, {
        organizationId: contact.organizationId,
        livemode: contact.livemode,
        type: 'contact.updated',
        data: ContactDto.from(contact),
      });
    });
    this.events.nudge();
    return contact;
  }

  /** Deletes the contact with its conversations and messages. */
  async remove(principal: ApiKeyPrincipal, id: string): Promise<void> {
    const contact = await this.get(principal, id);
    await this.dataSource.getRepository(Contact).delete({ id: contact.id });
  }

  private async apply(
    repository: ReturnType<DataSource['getRepository']>,
    contact: Contact,
    dto: ContactUpdateDto,
  ): Promise<void> {
    if (dto.name !== undefined) {
      contact.name = dto.name;
    }
    if (dto.tags !== undefined) {
      contact.tags = [...new Set(dto.tags)];
    }
    if (dto.attributes !== undefined) {
      const merged: Record<string, unknown> = { ...(contact.attributes as Record<string, unknown>), ...dto.attributes };
      contact.attributes = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== null));
    }
    contact.updatedAt = new Date();
    await repository.update(
      { id: contact.id },
      { name: contact.name, tags: contact.tags, attributes: contact.attributes, updatedAt: contact.updatedAt },
    );
  }
}
