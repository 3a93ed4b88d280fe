import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import {
  TemplateCreateDto,
  TemplateDeleteByNameQueryDto,
  TemplateDto,
  TemplateEditDto,
  TemplateListQueryDto,
  TemplateSyncResultDto,
} from './dto/template.dto';
import { RenderedTemplateDto, TemplatePreviewDto } from './dto/template-preview.dto';
import { TemplatesService } from './templates.service';

const templateId = new ResourceIdPipe('Template');

@ApiTags('Templates')
@Controller('v1')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get('templates')
  @ApiKeyAuth('templates:read')
  @ApiOperation({ summary: 'List message templates (filters: WABA, status, category, language, name)' })
  @ApiPageResponse(TemplateDto)
  @ApiErrorResponses(400)
  async listTemplates(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Query() query: TemplateListQueryDto,
  ): Promise<Page<TemplateDto>> {
    return (await this.templates.list(principal, query)).map(TemplateDto.from);
  }

  @Post('templates')
  @ApiKeyAuth('templates:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Create a message template',
    description:
      "Checked against Meta's template rules first (errors name the component and field), then sent to Meta for review.",
  })
  @ApiDataResponse(TemplateDto, { status: 201 })
  @ApiErrorResponses(400, 409, 502)
  async createTemplate(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Body() body: TemplateCreateDto,
  ): Promise<TemplateDto> {
    return TemplateDto.from(await this.templates.create(principal, body));
  }

  @Delete('templates')
  @HttpCode(204)
  @ApiKeyAuth('templates:write')
  @ApiOperation({ summary: 'Delete a template by name, in every language' })
  @ApiErrorResponses(400, 404, 502)
  async deleteTemplatesByName(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Query() query: TemplateDeleteByNameQueryDto,
  ): Promise<void> {
    await this.templates.removeByName(principal, query.wabaId, query.name);
  }

  @Get('templates/:templateId')
  @ApiKeyAuth('templates:read')
  @ApiOperation({ summary: 'Get a message template' })
  @ApiParam({ name: 'templateId', format: 'uuid' })
  @ApiDataResponse(TemplateDto)
  @ApiErrorResponses(404)
  async getTemplate(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('templateId', templateId) id: string,
  ): Promise<TemplateDto> {
    return TemplateDto.from(await this.templates.get(principal, id));
  }

  @Post('templates/:templateId')
  @HttpCode(200)
  @ApiKeyAuth('templates:write')
  @ApiOperation({
    summary: 'Edit a message template',
    description:
      'Only APPROVED, REJECTED or PAUSED templates; an approved one keeps its category. It goes back to review.',
  })
  @ApiParam({ name: 'templateId', format: 'uuid' })
  @ApiDataResponse(TemplateDto)
  @ApiErrorResponses(400, 404, 409, 502)
  async editTemplate(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('templateId', templateId) id: string,
    @Body() body: TemplateEditDto,
  ): Promise<TemplateDto> {
    return TemplateDto.from(await this.templates.edit(principal, id, body));
  }

  @Post('templates/:templateId/preview')
  @HttpCode(200)
  @ApiKeyAuth('templates:read')
  @ApiOperation({
    summary: 'Render a template with parameters',
    description:
      'The text the customer would see. Parameters that do not fit the template (count per component, named ' +
      'parameters, media header) are TEMPLATE_PARAMETER_MISMATCH, each naming the component.',
  })
  @ApiParam({ name: 'templateId', format: 'uuid' })
  @ApiDataResponse(RenderedTemplateDto)
  @ApiErrorResponses(400, 404, 422)
  async previewTemplate(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('templateId', templateId) id: string,
    @Body() body: TemplatePreviewDto,
  ): Promise<RenderedTemplateDto> {
    return this.templates.preview(principal, id, body.components ?? []);
  }

  @Delete('templates/:templateId')
  @HttpCode(204)
  @ApiKeyAuth('templates:write')
  @ApiOperation({ summary: 'Delete one template (this language only)' })
  @ApiParam({ name: 'templateId', format: 'uuid' })
  @ApiErrorResponses(404, 502)
  async deleteTemplate(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('templateId', templateId) id: string,
  ): Promise<void> {
    await this.templates.remove(principal, id);
  }

  @Post('wabas/:wabaId/templates/sync')
  @HttpCode(200)
  @ApiKeyAuth('templates:write')
  @ApiOperation({ summary: "Import the WABA's templates from Meta now" })
  @ApiParam({ name: 'wabaId', format: 'uuid' })
  @ApiDataResponse(TemplateSyncResultDto)
  @ApiErrorResponses(400, 409, 502)
  async syncTemplates(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('wabaId', new ResourceIdPipe('WABA')) wabaId: string,
  ): Promise<TemplateSyncResultDto> {
    return this.templates.sync(principal, wabaId);
  }
}
