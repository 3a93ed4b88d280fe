import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PaginationQueryDto } from '../../../common/pagination/pagination-query.dto';
import { DomainEvent, EVENT_TYPES } from '../event.entity';
import { eventEnvelope } from '../events.service';

export class EventDto {
  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` of its deliveries: dedupe on it' }) id!: string;
  @ApiProperty({ enum: EVENT_TYPES, enumName: 'EventType' }) type!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty() livemode!: boolean;
  @ApiPropertyOptional({ type: 'integer', description: "Message events: 1, 2, 3… across that message's events" })
  sequence?: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;

  static from(event: DomainEvent): EventDto {
    return eventEnvelope(event);
  }
}

export class EventListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'An event type or a wildcard such as message.*', example: 'message.*' })
  @IsOptional()
  @Matches(/^[a-z_]+\.(\*|[a-z_]+)$/)
  type?: string;
}
