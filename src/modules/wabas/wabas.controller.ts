import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { PaginationQueryDto } from '../../common/pagination/pagination-query.dto';
import { PhoneNumbersService } from '../phone-numbers/phone-numbers.service';
import { WabaConnectDto } from './dto/waba-connect.dto';
import { WabaDto } from './dto/waba.dto';
import { WabasService } from './wabas.service';

@ApiTags('WABAs')
@Controller('v1/wabas')
export class WabasController {
  constructor(
    private readonly wabas: WabasService,
    private readonly phoneNumbers: PhoneNumbersService,
  ) {}

  @Post()
  @ApiKeyAuth('wabas:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Connect a WhatsApp Business Account',
    description:
      'Checks the token against the Graph API, subscribes this app to the WABA’s webhooks and imports its ' +
      'phone numbers. The token is stored encrypted and never returned. Live keys connect to Meta; test keys ' +
      'to the built-in sandbox.',
  })
  @ApiDataResponse(WabaDto, { status: 201, description: 'The connected WABA with its phone numbers' })
  @ApiErrorResponses(400, 409, 422, 502)
  async connectWaba(@CurrentApiKey() principal: ApiKeyPrincipal, @Body() body: WabaConnectDto): Promise<WabaDto> {
    const waba = await this.wabas.connect(principal, body);
    return WabaDto.from(waba, await this.phoneNumbers.listForWaba(waba.id));
  }

  @Get()
  @ApiKeyAuth('wabas:read')
  @ApiOperation({ summary: "List the organization's WABAs in the key's mode, newest first" })
  @ApiPageResponse(WabaDto)
  @ApiErrorResponses(400)
  async listWabas(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Query() query: PaginationQueryDto,
  ): Promise<Page<WabaDto>> {
    const page = await this.wabas.list(principal, query.limit, query.cursor);
    const phones = await this.phoneNumbers.listForWabas(page.items.map((waba) => waba.id));
    return page.map((waba) =>
      WabaDto.from(
        waba,
        phones.filter((phone) => phone.wabaId === waba.id),
      ),
    );
  }

  @Get(':wabaId')
  @ApiKeyAuth('wabas:read')
  @ApiOperation({ summary: 'Get a WABA' })
  @ApiParam({ name: 'wabaId', format: 'uuid' })
  @ApiDataResponse(WabaDto)
  @ApiErrorResponses(404)
  async getWaba(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('wabaId', new ResourceIdPipe('WABA')) wabaId: string,
  ): Promise<WabaDto> {
    const waba = await this.wabas.get(principal, wabaId);
    return WabaDto.from(waba, await this.phoneNumbers.listForWaba(waba.id));
  }

  @Delete(':wabaId')
  @ApiKeyAuth('wabas:write')
  @ApiOperation({
    summary: 'Disconnect a WABA',
    description: 'Its phone numbers stop sending; its history is kept. Idempotent.',
  })
  @ApiParam({ name: 'wabaId', format: 'uuid' })
  @ApiDataResponse(WabaDto, { description: 'The disconnected WABA' })
  @ApiErrorResponses(404, 409)
  async disconnectWaba(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('wabaId', new ResourceIdPipe('WABA')) wabaId: string,
  ): Promise<WabaDto> {
    const waba = await this.wabas.disconnect(principal, wabaId);
    return WabaDto.from(waba, await this.phoneNumbers.listForWaba(waba.id));
  }
}
