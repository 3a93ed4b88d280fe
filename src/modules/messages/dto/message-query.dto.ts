import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDateString, IsIn, IsOptional, IsUUID } from 'class-validator';
import { PaginationQueryDto } from '../../../common/pagination/pagination-query.dto';
import { MESSAGE_STATUSES } from '../message.entity';

export class MessageListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() phoneNumberId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() contactId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() conversationId?: string;
  @ApiPropertyOptional({ enum: MESSAGE_STATUSES, enumName: 'MessageStatus' })
  @IsOptional()
  @IsIn(MESSAGE_STATUSES)
  status?: string;
  @ApiPropertyOptional({ enum: ['inbound', 'outbound'], enumName: 'MessageDirection' })
  @IsOptional()
  @IsIn(['inbound', 'outbound'])
  direction?: 'inbound' | 'outbound';
  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after' })
  @IsOptional()
  @IsDateString()
  since?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Created before' })
  @IsOptional()
  @IsDateString()
  until?: string;
}

export class MessageReadDto {
  @ApiPropertyOptional({ description: 'Also show a typing indicator (until you reply, at most 25 s)' })
  @IsOptional()
  @IsBoolean()
  typingIndicator?: boolean;
}

export class MessageStatusEventDto {
  @ApiProperty({ example: 'delivered' }) status!: string;
  @ApiProperty({ format: 'date-time', description: 'When it happened at WhatsApp' }) occurredAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) error!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: "Meta's pricing" })
  pricing!: Record<string, unknown> | null;
}
