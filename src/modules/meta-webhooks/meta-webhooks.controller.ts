import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { verifyWebhookSignature } from '@libs/meta-graph';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { Public } from '../../auth/decorators';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { RawResponse } from '../../common/http/envelope';
import { Metrics } from '../../common/metrics/metrics';
import { ApiDataResponse, ApiErrorResponses } from '../../common/openapi/api-responses.decorator';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetaWebhooksService } from './meta-webhooks.service';

export class MetaWebhookAckDto {
  @ApiProperty({ format: 'uuid', description: 'Our id of the stored payload.' }) eventId!: string;
}

const safeEqual = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Meta → OpenWABA. Public, because Meta authenticates with the verify token and the body signature. */
@ApiTags('Meta webhooks')
@Controller('v1/webhooks/meta')
@Public()
export class MetaWebhooksController {
  constructor(
    private readonly webhooks: MetaWebhooksService,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @RawResponse()
  @ApiOperation({
    summary: "Meta's verification handshake",
    description: 'Answers `hub.challenge` when `hub.verify_token` equals META_WEBHOOK_VERIFY_TOKEN; 403 otherwise.',
  })
  @ApiQuery({ name: 'hub.mode', required: true, example: 'subscribe' })
  @ApiQuery({ name: 'hub.verify_token', required: true })
  @ApiQuery({ name: 'hub.challenge', required: true })
  @ApiErrorResponses(403)
  verifyMetaWebhook(@Query() query: Record<string, string | undefined>): string {
    const expected = this.config.meta.webhookVerifyToken;
    const token = query['hub.verify_token'] ?? '';
    const challenge = query['hub.challenge'];
    if (query['hub.mode'] !== 'subscribe' || !expected || !challenge || !safeEqual(token, expected)) {
      throw new AppException(ErrorCode.Forbidden, 'Webhook verification failed: mode or verify token does not match');
    }
    return challenge;
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Receive a Meta webhook',
    description:
      'Checks X-Hub-Signature-256 (HMAC-SHA256 of the raw body with META_APP_SECRET), stores the payload and ' +
      'queues its ingestion, then answers 200. A missing or wrong signature is 401 and is counted.',
  })
  @ApiDataResponse(MetaWebhookAckDto, { description: 'Stored and queued' })
  @ApiErrorResponses(400, 401, 413)
  async receiveMetaWebhook(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Body() body: Record<string, unknown>,
  ): Promise<MetaWebhookAckDto> {
    const signature = request.headers['x-hub-signature-256'];
    const raw = request.rawBody;
    if (
      !raw ||
      !verifyWebhookSignature(raw, typeof signature === 'string' ? signature : undefined, this.config.meta.appSecret)
    ) {
      this.metrics.metaWebhookSignatureFailures.inc();
      throw new AppException(ErrorCode.Unauthorized, 'X-Hub-Signature-256 is missing or does not match the body');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw AppException.validation('Invalid request: a Meta webhook body is a JSON object');
    }
    const event = await this.webhooks.accept(body, raw.toString('utf8'));
    this.metrics.metaWebhooksReceived.inc();
    return { eventId: event.id };
  }
}
