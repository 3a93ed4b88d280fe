import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PaginationQueryDto } from '../../../common/pagination/pagination-query.dto';
import { META_WEBHOOK_EVENT_STATUSES, MetaWebhookEvent, MetaWebhookEventStatus } from '../meta-webhook-event.entity';

export class MetaWebhookEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'whatsapp_business_account' }) object!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The payload exactly as Meta sent it' })
  payload!: Record<string, unknown>;
  @ApiProperty({ enum: META_WEBHOOK_EVENT_STATUSES, enumName: 'MetaWebhookEventStatus' })
  status!: MetaWebhookEventStatus;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed or could not be routed' })
  error!: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) processedAt!: string | null;

  static from(event: MetaWebhookEvent): MetaWebhookEventDto {
    return {
      id: event.id,
      object: event.object,
      payload: event.payload as Record<string, unknown>,
      status: event.status,
      error: event.error,
      receivedAt: event.receivedAt.toISOString(),
      processedAt: event.processedAt?.toISOString() ?? null,
    };
  }
}

export class MetaWebhookEventListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: META_WEBHOOK_EVENT_STATUSES, enumName: 'MetaWebhookEventStatus' })
  @IsOptional()
  @IsIn(META_WEBHOOK_EVENT_STATUSES)
  status?: MetaWebhookEventStatus;
}
