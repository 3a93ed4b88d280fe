import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { ApiDataResponse, ApiErrorResponses } from '../../common/openapi/api-responses.decorator';
import { MessageBatchAcceptedDto, MessageBatchDto, MessageBatchSendDto } from './dto/message-batch.dto';
import { MessageBatchService } from './send/message-batch.service';

@ApiTags('Messages')
@Controller('v1/messages/batch')
export class MessageBatchesController {
  constructor(private readonly batches: MessageBatchService) {}

  @Post()
  @HttpCode(202)
  @ApiKeyAuth('messages:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Send one message to many customers',
    description:
      'Up to 5,000 recipients, each optionally with its own template components and metadata. The content is ' +
      'checked once (a bad content refuses the batch); each recipient on its own: refused recipients are listed ' +
      'in `rejected` and the others are queued. Track the batch with `GET /v1/messages/batch/{batchId}`.',
  })
  @ApiDataResponse(MessageBatchAcceptedDto, {
    status: 202,
    description: 'Accepted; one message per accepted recipient',
  })
  @ApiErrorResponses(400, 404, 409, 422)
  async sendMessageBatch(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Body() body: MessageBatchSendDto,
  ): Promise<MessageBatchAcceptedDto> {
    const { batch, messages } = await this.batches.send(principal, body);
    return { ...MessageBatchDto.from(batch, { queued: messages.length }), messages };
  }

  @Get(':batchId')
  @ApiKeyAuth('messages:read')
  @ApiOperation({ summary: "A batch with its messages' counts by status" })
  @ApiParam({ name: 'batchId', format: 'uuid' })
  @ApiDataResponse(MessageBatchDto)
  @ApiErrorResponses(404)
  async getMessageBatch(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('batchId', new ResourceIdPipe('Message batch')) id: string,
  ): Promise<MessageBatchDto> {
    const { batch, counts } = await this.batches.get(principal, id);
    return MessageBatchDto.from(batch, counts);
  }
}
