import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional } from 'class-validator';
import { PaginationQueryDto } from '../../../common/pagination/pagination-query.dto';
import { WebhookDelivery } from '../webhook-delivery.entity';

const STATUSES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;
const iso = (date: Date | null) => date?.toISOString() ?? null;

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ enum: ['event', 'retry', 'replay'], enumName: 'WebhookDeliveryTrigger' }) trigger!: string;
  @ApiProperty({ enum: STATUSES, enumName: 'WebhookDeliveryStatus' }) status!: string;
  @ApiProperty({ type: 'integer', description: 'Attempts made so far' }) attempts!: number;
  @ApiProperty({ type: 'integer', nullable: true, example: 200 }) lastStatusCode!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 87 }) lastDurationMs!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'The first 1 KiB of the response' }) lastResponseExcerpt!:
    string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Network error or timeout of the last attempt' })
  lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastAttemptAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(delivery: WebhookDelivery): WebhookDeliveryDto {
    return {
      id: delivery.id,
      eventId: delivery.eventId,
      trigger: delivery.trigger,
      status: delivery.status,
      attempts: delivery.attempts,
      lastStatusCode: delivery.lastStatusCode,
      lastDurationMs: delivery.lastDurationMs,
      lastResponseExcerpt: delivery.lastResponseExcerpt,
      lastError: delivery.lastError,
      lastAttemptAt: iso(delivery.lastAttemptAt),
      nextAttemptAt: iso(delivery.nextAttemptAt),
      deliveredAt: iso(delivery.deliveredAt),
      createdAt: delivery.createdAt.toISOString(),
    };
  }
}

export class WebhookDeliveryListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: STATUSES, enumName: 'WebhookDeliveryStatus' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];
}

export class WebhookReplayDto {
  @ApiProperty({ format: 'date-time', description: 'Re-send every subscribed event created since then' })
  @IsDateString()
  since!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Up to then (default now)' })
  @IsOptional()
  @IsDateString()
  until?: string;
}

export class WebhookReplayResultDto {
  @ApiProperty({ type: 'integer', description: 'Deliveries queued' }) deliveries!: number;
}

export class WebhookTestResultDto {
  @ApiProperty({ description: 'The endpoint answered 2xx' }) success!: boolean;
  @ApiProperty({ type: 'integer', nullable: true, example: 200 }) statusCode!: number | null;
  @ApiProperty({ type: 'integer', example: 42 }) durationMs!: number;
  @ApiProperty({ type: String, nullable: true }) responseExcerpt!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ format: 'uuid', description: 'The webhook.test event sent' }) eventId!: string;
}
