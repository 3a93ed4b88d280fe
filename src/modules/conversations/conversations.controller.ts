import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { PaginationQueryDto } from '../../common/pagination/pagination-query.dto';
import { MessageDto } from '../messages/dto/message.dto';
import { ConversationsService } from './conversations.service';
import { ConversationListQueryDto } from './dto/conversation-list-query.dto';
import { ConversationDto } from './dto/conversation.dto';

@ApiTags('Conversations')
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Get()
  @ApiKeyAuth('conversations:read')
  @ApiOperation({ summary: 'List conversations, newest activity first, with the last message and unread count' })
  @ApiPageResponse(ConversationDto)
  @ApiErrorResponses(400)
  async listConversations(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Query() query: ConversationListQueryDto,
  ): Promise<Page<ConversationDto>> {
    const page = await this.conversations.list(principal, query);
    return page.map(({ conversation, contact }) => ConversationDto.from(conversation, contact));
  }

  @Get(':conversationId')
  @ApiKeyAuth('conversations:read')
  @ApiOperation({ summary: 'Get a conversation, with its customer-service window state' })
  @ApiParam({ name: 'conversationId', format: 'uuid' })
  @ApiDataResponse(ConversationDto)
  @ApiErrorResponses(404)
  async getConversation(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('conversationId', new ResourceIdPipe('Conversation')) id: string,
  ): Promise<ConversationDto> {
    const { conversation, contact } = await this.conversations.get(principal, id);
    return ConversationDto.from(conversation, contact);
  }

  @Get(':conversationId/messages')
  @ApiKeyAuth('conversations:read')
  @ApiOperation({ summary: "A conversation's messages, newest first (for infinite scroll)" })
  @ApiParam({ name: 'conversationId', format: 'uuid' })
  @ApiPageResponse(MessageDto)
  @ApiErrorResponses(400, 404)
  async listConversationMessages(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('conversationId', new ResourceIdPipe('Conversation')) id: string,
    @Query() query: PaginationQueryDto,
  ): Promise<Page<MessageDto>> {
    return (await this.conversations.messages(principal, id, query.limit, query.cursor)).map(MessageDto.from);
  }

  @Post(':conversationId/read')
  @HttpCode(200)
  @ApiKeyAuth('conversations:write')
  @ApiOperation({
    summary: 'Mark a conversation read',
    description: 'Sends a read receipt for the newest inbound message to WhatsApp and clears the unread count.',
  })
  @ApiParam({ name: 'conversationId', format: 'uuid' })
  @ApiDataResponse(ConversationDto)
  @ApiErrorResponses(404, 502)
  async markConversationRead(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('conversationId', new ResourceIdPipe('Conversation')) id: string,
  ): Promise<ConversationDto> {
    const { conversation, contact } = await this.conversations.markRead(principal, id);
    return ConversationDto.from(conversation, contact);
  }
}
