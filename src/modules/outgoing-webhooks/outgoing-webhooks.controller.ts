import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { Idempotent } from '../../common/idempotency/idempotent.decorator';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { PaginationQueryDto } from '../../common/pagination/pagination-query.dto';
import {
  WebhookDeliveryDto,
  WebhookDeliveryListQueryDto,
  WebhookReplayDto,
  WebhookReplayResultDto,
  WebhookTestResultDto,
} from './dto/webhook-delivery.dto';
import {
  WebhookEndpointCreateDto,
  WebhookEndpointDto,
  WebhookEndpointUpdateDto,
  WebhookEndpointWithSecretDto,
} from './dto/webhook-endpoint.dto';
import { OutgoingWebhooksService } from './outgoing-webhooks.service';

const endpointId = new ResourceIdPipe('Webhook endpoint');

@ApiTags('Outgoing webhooks')
@Controller('v1/outgoing-webhooks')
export class OutgoingWebhooksController {
  constructor(private readonly webhooks: OutgoingWebhooksService) {}

  @Post()
  @ApiKeyAuth('webhooks:write')
  @Idempotent()
  @ApiOperation({
    summary: 'Create a webhook endpoint',
    description:
      'Events matching `events` are POSTed to `url`, signed per Standard Webhooks with the returned `secret` ' +
      '(shown only now). URLs on private, loopback, link-local or metadata addresses are refused.',
  })
  @ApiDataResponse(WebhookEndpointWithSecretDto, { status: 201 })
  @ApiErrorResponses(400)
  async createWebhookEndpoint(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Body() body: WebhookEndpointCreateDto,
  ): Promise<WebhookEndpointWithSecretDto> {
    const { endpoint, secret } = await this.webhooks.create(principal, body);
    return { ...WebhookEndpointDto.from(endpoint), secret };
  }

  @Get()
  @ApiKeyAuth('webhooks:read')
  @ApiOperation({ summary: 'List webhook endpoints, newest first' })
  @ApiPageResponse(WebhookEndpointDto)
  @ApiErrorResponses(400)
  async listWebhookEndpoints(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Query() query: PaginationQueryDto,
  ): Promise<Page<WebhookEndpointDto>> {
    return (await this.webhooks.list(principal, query.limit, query.cursor)).map((endpoint) =>
      WebhookEndpointDto.from(endpoint),
    );
  }

  @Get(':endpointId')
  @ApiKeyAuth('webhooks:read')
  @ApiOperation({ summary: 'Get a webhook endpoint' })
  @ApiParam({ name: 'endpointId', format: 'uuid' })
  @ApiDataResponse(WebhookEndpointDto)
  @ApiErrorResponses(404)
  async getWebhookEndpoint(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('endpointId', endpointId) id: string,
  ): Promise<WebhookEndpointDto> {
    return WebhookEndpointDto.from(await this.webhooks.get(principal, id));
  }

  @Patch(':endpointId')
  @ApiKeyAuth('webhooks:write')
  @ApiOperation({
    summary: 'Update a webhook endpoint',
    description: 'Setting `enabled: true` re-enables an endpoint OpenWABA disabled.',
  })
  @ApiParam({ name: 'endpointId', format: 'uuid' })
  @ApiDataResponse(WebhookEndpointDto)
  @ApiErrorResponses(400, 404)
  async updateWebhookEndpoint(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('endpointId', endpointId) id: string,
    @Body() body: WebhookEndpointUpdateDto,
  ): Promise<WebhookEndpointDto> {
    return WebhookEndpointDto.from(await this.webhooks.update(principal, id, body));
  }

  @Delete(':endpointId')
  @HttpCode(204)
  @ApiKeyAuth('webhooks:write')
  @ApiOperation({ summary: 'Delete a webhook endpoint and its delivery log' })
  @ApiParam({ name: 'endpointId', format: 'uuid' })
  @ApiErrorResponses(404)
  async deleteWebhookEndpoint(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('endpointId', endpointId) id: string,
  ): Promise<void> {
    await this.webhooks.remove(principal, id);
  }

  @Post(':endpointId/rotate-secret')
  @HttpCode(200)
  @ApiKeyAuth('webhooks:write')
  @ApiOperation({
    summary: "Rotate an endpoint's signing secret",
    description: 'Returns the new secret. For 24 hours deliveries carry two signatures, by the new and the old secret.',
  })
  @ApiParam({ name: 'endpointId', format: 'uuid' })
  @ApiDataResponse(WebhookEndpointWithSecretDto)
  @ApiErrorResponses(404)
  async rotateWebhookSecret(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('endpointId', endpointId) id: string,
  ): Promise<WebhookEndpointWithSecretDto> {
    const { endpoint, secret } = await this.webhooks.rotateSecret(principal, id);
    return { ...WebhookEndpointDto.from(endpoint), secret };
  }

  @Post(':endpointId/test')
  @HttpCode(200)
  @ApiKeyAuth('webhooks:write')
  @ApiOperation({ summary: 'Send a webhook.test event now and report the answer' })
  @ApiParam({ name: 'endpointId', format: 'uuid' })
  @ApiDataResponse(WebhookTestResultDto)
  @ApiErrorResponses(404)
  async testWebhookEndpoint(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('endpointId', endpointId) id: string,
  ): Promise<WebhookTestResultDto> {
    const { outcome, eventId } = await this.webhooks.test(principal, id);
    const success = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    return { success, ...outcome, eventId };
  }

  @Get(':endpointId/deliveries')
  @ApiKeyAuth('webhooks:read')
  @ApiOperation({
    summary: "An endpoint's deliveries, newest first, with the last attempt's outcome and the next retry",
  })
  @ApiParam({ name: 'endpointId', format: 'uuid' })
  @ApiPageResponse(WebhookDeliveryDto)
  @ApiErrorResponses(400, 404)
  async listWebhookDeliveries(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('endpointId', endpointId) id: string,
    @Query() query: WebhookDeliveryListQueryDto,
  ): Promise<Page<WebhookDeliveryDto>> {
    return (await this.webhooks.listDeliveries(principal, id, query)).map(WebhookDeliveryDto.from);
  }

  @Post(':endpointId/deliveries/:deliveryId/retry')
  @HttpCode(202)
  @ApiKeyAuth('webhooks:write')
  @ApiOperation({ summary: 'Deliver an event to this endpoint again, now' })
  @ApiParam({ name: 'endpointId', format: 'uuid' })
  @ApiParam({ name: 'deliveryId', format: 'uuid' })
  @ApiDataResponse(WebhookDeliveryDto, { status: 202, description: 'The new delivery, queued' })
  @ApiErrorResponses(404)
  async retryWebhookDelivery(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('endpointId', endpointId) id: string,
    @Param('deliveryId', new ResourceIdPipe('Webhook delivery')) deliveryId: string,
  ): Promise<WebhookDeliveryDto> {
    return WebhookDeliveryDto.from(await this.webhooks.retryDelivery(principal, id, deliveryId));
  }

  @Post(':endpointId/replay')
  @HttpCode(202)
  @ApiKeyAuth('webhooks:write')
  @ApiOperation({ summary: 'Re-send every subscribed event created since a time' })
  @ApiParam({ name: 'endpointId', format: 'uuid' })
  @ApiDataResponse(WebhookReplayResultDto, { status: 202 })
  @ApiErrorResponses(400, 404)
  async replayWebhookEvents(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('endpointId', endpointId) id: string,
    @Body() body: WebhookReplayDto,
  ): Promise<WebhookReplayResultDto> {
    return { deliveries: await this.webhooks.replay(principal, id, body) };
  }
}
