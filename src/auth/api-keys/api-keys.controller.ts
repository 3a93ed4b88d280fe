import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { PaginationQueryDto } from '../../common/pagination/pagination-query.dto';
import { OrganizationsService } from '../../modules/organizations/organizations.service';
import { CurrentUser, UserAuth } from '../decorators';
import type { UserPrincipal } from '../principal';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyCreateDto } from './dto/api-key-create.dto';
import { ApiKeyCreatedDto, ApiKeyDto } from './dto/api-key.dto';

@ApiTags('API keys')
@Controller('v1/organizations/:orgId/api-keys')
@UserAuth()
@ApiParam({ name: 'orgId', format: 'uuid' })
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly organizations: OrganizationsService,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Create an API key',
    description: 'The key is returned once, in `data.key`; only its hash is stored. Owners and admins only.',
  })
  @ApiDataResponse(ApiKeyCreatedDto, { status: 201, description: 'The new key, with its secret' })
  @ApiErrorResponses(400, 404, 409, 422)
  async createApiKey(
    @CurrentUser() user: UserPrincipal,
    @Param('orgId', new ResourceIdPipe('Organization')) orgId: string,
    @Body() body: ApiKeyCreateDto,
  ): Promise<ApiKeyCreatedDto> {
    await this.organizations.getManagedByUser(user.userId, orgId);
    const { key, record } = await this.apiKeys.create(orgId, user.userId, body);
    return { ...ApiKeyDto.from(record), key };
  }

  @Get()
  @ApiOperation({ summary: "List the organization's API keys, newest first (secrets are never returned)" })
  @ApiPageResponse(ApiKeyDto)
  @ApiErrorResponses(400, 404)
  async listApiKeys(
    @CurrentUser() user: UserPrincipal,
    @Param('orgId', new ResourceIdPipe('Organization')) orgId: string,
    @Query() query: PaginationQueryDto,
  ): Promise<Page<ApiKeyDto>> {
    await this.organizations.getForUser(user.userId, orgId);
    const page = await this.apiKeys.list(orgId, query.limit, query.cursor);
    return page.map((key) => ApiKeyDto.from(key));
  }

  @Delete(':keyId')
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Idempotent. The key stops working within seconds on every replica. Owners and admins only.',
  })
  @ApiParam({ name: 'keyId', format: 'uuid' })
  @ApiDataResponse(ApiKeyDto, { description: 'The revoked key' })
  @ApiErrorResponses(404)
  async revokeApiKey(
    @CurrentUser() user: UserPrincipal,
    @Param('orgId', new ResourceIdPipe('Organization')) orgId: string,
    @Param('keyId', new ResourceIdPipe('API key')) keyId: string,
  ): Promise<ApiKeyDto> {
    await this.organizations.getManagedByUser(user.userId, orgId);
    return ApiKeyDto.from(await this.apiKeys.revoke(orgId, keyId));
  }
}
