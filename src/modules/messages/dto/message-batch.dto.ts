import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional } from 'class-validator';
import { MESSAGE_STATUSES, MessageStatus } from '../message.entity';
import { MessageBatch } from '../message-batch.entity';
import { MessageTemplateComponentDto } from './message-content.dto';
import { MessageContentDto } from './message-send.dto';

export const MAX_BATCH_RECIPIENTS = 5000;

/** One recipient of a batch. Checked one by one: a bad recipient is reported, the others still go. */
export class BatchRecipientDto {
  @ApiPropertyOptional({ example: '+15551234567', description: 'E.164 phone or wa_id (or give recipient)' })
  to?: string;

  @ApiPropertyOptional({ example: 'US.13491208655302741918', description: "The customer's business-scoped user id" })
  recipient?: string;

  @ApiPropertyOptional({
    type: [MessageTemplateComponentDto],
    maxItems: 20,
    description: "This recipient's template components (header, body, button parameters); replace the batch's",
    example: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }],
  })
  components?: Record<string, unknown>[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Merged over the batch's metadata for this recipient's message",
  })
  metadata?: Record<string, unknown>;
}

/** One content to many recipients. */
export class MessageBatchSendDto extends MessageContentDto {
  @ApiProperty({ type: [BatchRecipientDto], minItems: 1, maxItems: MAX_BATCH_RECIPIENTS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_RECIPIENTS)
  @IsObject({ each: true })
  recipients!: BatchRecipientDto[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Yours, echoed in every event of every message of the batch',
  })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class RejectedRecipientDto {
  @ApiProperty({ description: 'Position in `recipients`, from 0' }) index!: number;
  @ApiProperty({ example: 'VALIDATION_ERROR' }) code!: string;
  @ApiProperty({ example: 'to: not a phone number' }) message!: string;
  @ApiPropertyOptional({ example: 'recipients[3].to' }) field?: string;
}

export class BatchMessageRefDto {
  @ApiProperty({ description: 'Position in `recipients`, from 0' }) index!: number;
  @ApiProperty({ format: 'uuid', description: 'The message queued for this recipient' }) id!: string;
}

export class MessageBatchCountsDto {
  @ApiProperty() queued!: number;
  @ApiProperty() sending!: number;
  @ApiProperty() sent!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty() read!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() cancelled!: number;
}

export class MessageBatchDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) phoneNumberId!: string;
  @ApiProperty({ example: 'template' }) type!: string;
  @ApiProperty({ description: 'Recipients given' }) recipients!: number;
  @ApiProperty({ description: 'Recipients whose message was queued' }) accepted!: number;
  @ApiProperty({ type: [RejectedRecipientDto] }) rejected!: RejectedRecipientDto[];
  @ApiProperty({ type: MessageBatchCountsDto, description: "The batch's messages by status, now" })
  counts!: MessageBatchCountsDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(batch: MessageBatch, counts: Partial<Record<MessageStatus, number>>): MessageBatchDto {
    const byStatus = Object.fromEntries(
      MESSAGE_STATUSES.filter((status) => status !== 'received').map((status) => [status, counts[status] ?? 0]),
    ) as unknown as MessageBatchCountsDto;
    return {
      id: batch.id,
      phoneNumberId: batch.phoneNumberId,
      type: batch.type,
      recipients: batch.recipients,
      accepted: batch.accepted,
      rejected: batch.rejected,
      counts: byStatus,
      createdAt: batch.createdAt.toISOString(),
    };
  }
}

export class MessageBatchAcceptedDto extends MessageBatchDto {
  @ApiProperty({ type: [BatchMessageRefDto], description: 'One message per accepted recipient' })
  messages!: BatchMessageRefDto[];
}
