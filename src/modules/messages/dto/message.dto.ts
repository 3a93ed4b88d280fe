import { ApiProperty } from '@nestjs/swagger';
import { MESSAGE_STATUSES, Message, MessageStatus } from '../message.entity';

export class MessageErrorDto {
  @ApiProperty({ example: 131026 }) code!: number;
  @ApiProperty({ example: 'Message undeliverable' }) title!: string;
  @ApiProperty({ required: false }) details?: string;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) phoneNumberId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) conversationId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) contactId!: string | null;
  @ApiProperty({ enum: ['inbound', 'outbound'], enumName: 'MessageDirection' }) direction!: 'inbound' | 'outbound';
  @ApiProperty({ description: "Meta's message type", example: 'text' }) type!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "Meta's object for the type, in camelCase, under the type's name",
    example: { text: { body: 'Does it come in blue?' } },
  })
  content!: Record<string, unknown>;
  @ApiProperty({ enum: MESSAGE_STATUSES, enumName: 'MessageStatus' }) status!: MessageStatus;
  @ApiProperty({ type: String, nullable: true, example: 'wamid.HBgL…' }) waMessageId!: string | null;
  @ApiProperty({
    description: 'Times an outbound message was handed to Meta, retries included (0 while queued, and for inbound)',
    example: 1,
  })
  attempts!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The quoted message' })
  context!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Click-to-WhatsApp ad' })
  referral!: Record<string, unknown> | null;
  @ApiProperty({ type: MessageErrorDto, nullable: true }) error!: MessageErrorDto | null;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sentAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) failedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(message: Message): MessageDto {
    return {
      id: message.id,
      phoneNumberId: message.phoneNumberId,
      conversationId: message.conversationId,
      contactId: message.contactId,
      direction: message.direction,
      type: message.type,
      content: message.content,
      status: message.status,
      waMessageId: message.waMessageId,
      attempts: message.attempts,
      context: message.context,
      referral: message.referral,
      error: message.error
        ? { code: message.error.code, title: message.error.title, details: message.error.details }
        : null,
      occurredAt: message.occurredAt.toISOString(),
      sentAt: iso(message.sentAt),
      deliveredAt: iso(message.deliveredAt),
      readAt: iso(message.readAt),
      failedAt: iso(message.failedAt),
      createdAt: message.createdAt.toISOString(),
    };
  }
}
