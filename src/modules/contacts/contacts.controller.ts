import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { PaginationQueryDto } from '../../common/pagination/pagination-query.dto';
import { ConversationsService } from '../conversations/conversations.service';
import { ConversationDto } from '../conversations/dto/conversation.dto';
import { ContactsService } from './contacts.service';
import { ContactDto } from './dto/contact.dto';
import { ContactListQueryDto, ContactUpdateDto, ContactUpsertDto } from './dto/contact-write.dto';

@ApiTags('Contacts')
@Controller('v1/contacts')
export class ContactsController {
  constructor(
    private readonly contacts: ContactsService,
    private readonly conversations: ConversationsService,
  ) {}

  @Get()
  @ApiKeyAuth('contacts:read')
  @ApiOperation({ summary: 'List contacts, most recently updated first; search by phone, name or username' })
  @ApiPageResponse(ContactDto)
  @ApiErrorResponses(400)
  async listContacts(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Query() query: ContactListQueryDto,
  ): Promise<Page<ContactDto>> {
    return (await this.contacts.list(principal, query)).map(ContactDto.from);
  }

  @Post()
  @ApiKeyAuth('contacts:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Create or update a contact by phone or BSUID',
    description:
      'Finds the contact by `phone` or `bsuid` (creating it when neither is known) and sets name, tags and ' +
      'attributes. 201 when created, 200 when updated; the same request twice changes nothing more.',
  })
  @ApiDataResponse(ContactDto, { status: 200, description: 'The contact (201 when it was created)' })
  @ApiErrorResponses(400)
  async upsertContact(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Body() body: ContactUpsertDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactDto> {
    const { contact, created } = await this.contacts.upsert(principal, body);
    void reply.status(created ? 201 : 200);
    return ContactDto.from(contact);
  }

  @Get(':contactId')
  @ApiKeyAuth('contacts:read')
  @ApiOperation({ summary: 'Get a contact' })
  @ApiParam({ name: 'contactId', format: 'uuid' })
  @ApiDataResponse(ContactDto)
  @ApiErrorResponses(404)
  async getContact(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('contactId', new ResourceIdPipe('Contact')) id: string,
  ): Promise<ContactDto> {
    return ContactDto.from(await this.contacts.get(principal, id));
  }

  @Patch(':contactId')
  @ApiKeyAuth('contacts:write')
  @ApiOperation({ summary: "Update a contact's name, tags or attributes" })
  @ApiParam({ name: 'contactId', format: 'uuid' })
  @ApiDataResponse(ContactDto)
  @ApiErrorResponses(400, 404)
  async updateContact(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('contactId', new ResourceIdPipe('Contact')) id: string,
    @Body() body: ContactUpdateDto,
  ): Promise<ContactDto> {
    return ContactDto.from(await this.contacts.update(principal, id, body));
  }

  @Delete(':contactId')
  @HttpCode(204)
  @ApiKeyAuth('contacts:write')
  @ApiOperation({ summary: 'Delete a contact with its conversations and messages' })
  @ApiParam({ name: 'contactId', format: 'uuid' })
  @ApiErrorResponses(404)
  async deleteContact(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('contactId', new ResourceIdPipe('Contact')) id: string,
  ): Promise<void> {
    await this.contacts.remove(principal, id);
  }

  @Get(':contactId/conversations')
  @ApiKeyAuth('conversations:read')
  @ApiOperation({ summary: "A contact's conversations (one per business phone number), newest activity first" })
  @ApiParam({ name: 'contactId', format: 'uuid' })
  @ApiPageResponse(ConversationDto)
  @ApiErrorResponses(400, 404)
  async listContactConversations(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('contactId', new ResourceIdPipe('Contact')) id: string,
    @Query() query: PaginationQueryDto,
  ): Promise<Page<ConversationDto>> {
    const contact = await this.contacts.get(principal, id);
    const page = await this.conversations.list(principal, { ...query, contactId: contact.id });
    return page.map(({ conversation }) => ConversationDto.from(conversation, contact));
  }
}
