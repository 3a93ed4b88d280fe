import { ApiProperty } from '@nestjs/swagger';
import { ContactDto } from '../../contacts/dto/contact.dto';
import { Contact } from '../../contacts/contact.entity';
import { Conversation, windowExpiresAt } from '../conversation.entity';

export class ConversationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) phoneNumberId!: string;
  @ApiProperty({ type: ContactDto }) contact!: ContactDto;
  @ApiProperty({ format: 'date-time' }) lastMessageAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Does it come in blue?' }) lastMessagePreview!: string | null;
  @ApiProperty({ type: String, enum: ['inbound', 'outbound'], enumName: 'MessageDirection', nullable: true })
  lastMessageDirection!: 'inbound' | 'outbound' | null;
  @ApiProperty({ type: 'integer', example: 2 }) unreadCount!: number;
  @ApiProperty({ description: 'Free-form messages allowed: the customer wrote within 24 h' }) canReplyFreely!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the 24-hour window closes' })
  windowExpiresAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(conversation: Conversation, contact: Contact, now = new Date()): ConversationDto {
    const expires = windowExpiresAt(conversation);
    return {
      id: conversation.id,
      phoneNumberId: conversation.phoneNumberId,
      contact: ContactDto.from(contact),
      lastMessageAt: conversation.lastMessageAt.toISOString(),
      lastMessagePreview: conversation.lastMessagePreview,
      lastMessageDirection: conversation.lastMessageDirection,
      unreadCount: conversation.unreadCount,
      canReplyFreely: expires !== null && expires > now,
      windowExpiresAt: expires?.toISOString() ?? null,
      createdAt: conversation.createdAt.toISOString(),
    };
  }
}
