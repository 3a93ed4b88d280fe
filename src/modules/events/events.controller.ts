import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { EventDto, EventListQueryDto } from './dto/event.dto';
import { EventsService } from './events.service';

@ApiTags('Events')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiKeyAuth('events:read')
  @ApiOperation({ summary: 'List events, newest first: catch up on what your webhooks missed' })
  @ApiPageResponse(EventDto)
  @ApiErrorResponses(400)
  async listEvents(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Query() query: EventListQueryDto,
  ): Promise<Page<EventDto>> {
    return (await this.events.list(principal, query.limit, query.cursor, query.type)).map(EventDto.from);
  }

  @Get(':eventId')
  @ApiKeyAuth('events:read')
  @ApiOperation({ summary: 'Get an event' })
  @ApiParam({ name: 'eventId', format: 'uuid' })
  @ApiDataResponse(EventDto)
  @ApiErrorResponses(404)
  async getEvent(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('eventId', new ResourceIdPipe('Event')) id: string,
  ): Promise<EventDto> {
    return EventDto.from(await this.events.get(principal, id));
  }
}
