import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentUser, UserAuth } from '../../auth/decorators';
import type { UserPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { MetaWebhookEventDto, MetaWebhookEventListQueryDto } from './dto/meta-webhook-event.dto';
import { MetaWebhooksService } from './meta-webhooks.service';

function requirePlatformAdmin(user: UserPrincipal): void {
  if (!user.isPlatformAdmin) {
    throw new AppException(ErrorCode.Forbidden, 'Only platform administrators may see or replay Meta webhooks');
  }
}

/** Operators' view of what Meta sent: every payload as received, its processing result, and replay. */
@ApiTags('Admin')
@Controller('v1/admin/meta-webhooks')
export class AdminMetaWebhooksController {
  constructor(private readonly webhooks: MetaWebhooksService) {}

  @Get()
  @UserAuth()
  @ApiOperation({ summary: 'List stored Meta webhooks, newest first (platform admins)' })
  @ApiPageResponse(MetaWebhookEventDto)
  @ApiErrorResponses(400)
  async listMetaWebhookEvents(
    @CurrentUser() user: UserPrincipal,
    @Query() query: MetaWebhookEventListQueryDto,
  ): Promise<Page<MetaWebhookEventDto>> {
    requirePlatformAdmin(user);
    return (await this.webhooks.list(query.limit, query.cursor, query.status)).map(MetaWebhookEventDto.from);
  }

  @Get(':eventId')
  @UserAuth()
  @ApiOperation({ summary: 'Get one stored Meta webhook with its processing result (platform admins)' })
  @ApiParam({ name: 'eventId', format: 'uuid' })
  @ApiDataResponse(MetaWebhookEventDto)
  @ApiErrorResponses(404)
  async getMetaWebhookEvent(
    @CurrentUser() user: UserPrincipal,
    @Param('eventId', new ResourceIdPipe('Meta webhook event')) id: string,
  ): Promise<MetaWebhookEventDto> {
    requirePlatformAdmin(user);
    const event = await this.webhooks.findById(id);
    if (!event) {
      throw AppException.notFound('Meta webhook event');
    }
    return MetaWebhookEventDto.from(event);
  }

  @Post(':eventId/replay')
  @HttpCode(202)
  @UserAuth()
  @ApiOperation({
    summary: 'Ingest a stored Meta webhook again (platform admins)',
    description: 'Queues the payload for ingestion again; what was already stored from it is not stored twice.',
  })
  @ApiParam({ name: 'eventId', format: 'uuid' })
  @ApiDataResponse(MetaWebhookEventDto, { status: 202, description: 'Queued again' })
  @ApiErrorResponses(404)
  async replayMetaWebhookEvent(
    @CurrentUser() user: UserPrincipal,
    @Param('eventId', new ResourceIdPipe('Meta webhook event')) id: string,
  ): Promise<MetaWebhookEventDto> {
    requirePlatformAdmin(user);
    return MetaWebhookEventDto.from(await this.webhooks.replay(id));
  }
}
