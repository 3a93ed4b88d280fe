import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { MessageDto } from './dto/message.dto';
import { MessageListQueryDto, MessageReadDto, MessageStatusEventDto } from './dto/message-query.dto';
import { MessageSendDto } from './dto/message-send.dto';
import { MessagesService } from './messages.service';
import { MessageSenderService } from './send/message-sender.service';

const messageId = new ResourceIdPipe('Message');

@ApiTags('Messages')
@Controller('v1/messages')
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly sender: MessageSenderService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiKeyAuth('messages:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Send a message',
    description:
      "Checked against Meta's rules first (limits per type, 24-hour window for free-form messages, phone readiness, " +
      'template status and parameters), stored `queued`, then delivered by a worker. Statuses follow as events.',
  })
  @ApiDataResponse(MessageDto, { status: 202, description: 'Accepted and queued' })
  @ApiErrorResponses(400, 404, 409, 422)
  async sendMessage(@CurrentApiKey() principal: ApiKeyPrincipal, @Body() body: MessageSendDto): Promise<MessageDto> {
    return MessageDto.from(await this.sender.send(principal, body));
  }

  @Post(':messageId/cancel')
  @HttpCode(200)
  @ApiKeyAuth('messages:write')
  @ApiOperation({ summary: 'Cancel a message still queued' })
  @ApiParam({ name: 'messageId', format: 'uuid' })
  @ApiDataResponse(MessageDto)
  @ApiErrorResponses(404, 409)
  async cancelMessage(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('messageId', messageId) id: string,
  ): Promise<MessageDto> {
    return MessageDto.from(await this.sender.cancel(principal, id));
  }

  @Get()
  @ApiKeyAuth('messages:read')
  @ApiOperation({
    summary: 'List messages, newest first (filters: phone, contact, conversation, status, direction, dates)',
  })
  @ApiPageResponse(MessageDto)
  @ApiErrorResponses(400)
  async listMessages(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Query() query: MessageListQueryDto,
  ): Promise<Page<MessageDto>> {
    return (await this.messages.list(principal, query)).map(MessageDto.from);
  }

  @Get(':messageId')
  @ApiKeyAuth('messages:read')
  @ApiOperation({ summary: 'Get a message with its status timestamps' })
  @ApiParam({ name: 'messageId', format: 'uuid' })
  @ApiDataResponse(MessageDto)
  @ApiErrorResponses(404)
  async getMessage(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('messageId', messageId) id: string,
  ): Promise<MessageDto> {
    return MessageDto.from(await this.messages.get(principal, id));
  }

  @Get(':messageId/statuses')
  @ApiKeyAuth('messages:read')
  @ApiOperation({ summary: "A message's status history, oldest first (late statuses included)" })
  @ApiParam({ name: 'messageId', format: 'uuid' })
  @ApiDataResponse(MessageStatusEventDto, { isArray: true })
  @ApiErrorResponses(404)
  async listMessageStatuses(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('messageId', messageId) id: string,
  ): Promise<MessageStatusEventDto[]> {
    return (await this.messages.history(principal, id)).map((event) => ({
      status: event.status,
      occurredAt: event.occurredAt.toISOString(),
      error: event.error as Record<string, unknown> | null,
      pricing: event.pricing,
    }));
  }

  @Post(':messageId/read')
  @HttpCode(200)
  @ApiKeyAuth('messages:write')
  @ApiOperation({
    summary: 'Mark an inbound message read',
    description:
      'Sends the blue ticks to the customer (earlier messages of the thread too), optionally with a typing indicator.',
  })
  @ApiParam({ name: 'messageId', format: 'uuid' })
  @ApiDataResponse(MessageDto)
  @ApiErrorResponses(400, 404, 409, 502)
  async markMessageRead(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('messageId', messageId) id: string,
    @Body() body: MessageReadDto,
  ): Promise<MessageDto> {
    return MessageDto.from(await this.messages.markRead(principal, id, body.typingIndicator ?? false));
  }
}
