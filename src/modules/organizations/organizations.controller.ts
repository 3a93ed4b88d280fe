import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { PaginationQueryDto } from '../../common/pagination/pagination-query.dto';
import { CurrentUser, UserAuth } from '../../auth/decorators';
import type { UserPrincipal } from '../../auth/principal';
import { OrganizationCreateDto } from './dto/organization-create.dto';
import { OrganizationDto } from './dto/organization.dto';
import { OrganizationsService } from './organizations.service';

@ApiTags('Organizations')
@Controller('v1/organizations')
@UserAuth()
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create an organization; the caller becomes its owner' })
  @ApiDataResponse(OrganizationDto, { status: 201, description: 'The new organization' })
  @ApiErrorResponses(400, 409, 422)
  async createOrganization(
    @CurrentUser() user: UserPrincipal,
    @Body() body: OrganizationCreateDto,
  ): Promise<OrganizationDto> {
    const { organization, role } = await this.organizations.create(user.userId, body.name);
    return OrganizationDto.from(organization, role);
  }

  @Get()
  @ApiOperation({ summary: "List the caller's organizations, newest first" })
  @ApiPageResponse(OrganizationDto)
  @ApiErrorResponses(400)
  async listOrganizations(
    @CurrentUser() user: UserPrincipal,
    @Query() query: PaginationQueryDto,
  ): Promise<Page<OrganizationDto>> {
    const page = await this.organizations.listForUser(user.userId, query.limit, query.cursor);
    return page.map(({ organization, role }) => OrganizationDto.from(organization, role));
  }

  @Get(':orgId')
  @ApiOperation({ summary: 'Get an organization the caller belongs to' })
  @ApiParam({ name: 'orgId', format: 'uuid' })
  @ApiDataResponse(OrganizationDto)
  @ApiErrorResponses(404)
  async getOrganization(
    @CurrentUser() user: UserPrincipal,
    @Param('orgId', new ResourceIdPipe('Organization')) orgId: string,
  ): Promise<OrganizationDto> {
    const { organization, role } = await this.organizations.getForUser(user.userId, orgId);
    return OrganizationDto.from(organization, role);
  }
}
