import { ApiProperty } from '@nestjs/swagger';
import { Contact, contactIdentifier, contactReplyTo } from '../contact.entity';

export class ContactDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Phone-based WhatsApp id (digits)',
    example: '15551234567',
  })
  waId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Business-scoped user id',
    example: 'US.13491208655302741918',
  })
  bsuid!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'ahmed.k' }) username!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The name set in WhatsApp', example: 'Ahmed' })
  profileName!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The name your organization gave the contact' })
  name!: string | null;
  @ApiProperty({ type: [String], example: ['vip'] }) tags!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, example: { crmId: 'C-17' } })
  attributes!: Record<string, unknown>;
  @ApiProperty({ description: 'Stable key of the contact in events: its BSUID, else +phone', example: '+15551234567' })
  contactIdentifier!: string;
  @ApiProperty({ type: String, nullable: true, description: 'What to put in `to` (or `recipient`) to reply' })
  contactReplyTo!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastInboundAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(contact: Contact): ContactDto {
    return {
      id: contact.id,
      waId: contact.waId,
      bsuid: contact.bsuid,
      username: contact.username,
      profileName: contact.profileName,
      name: contact.name,
      tags: contact.tags,
      attributes: contact.attributes as Record<string, unknown>,
      contactIdentifier: contactIdentifier(contact),
      contactReplyTo: contactReplyTo(contact),
      lastInboundAt: contact.lastInboundAt?.toISOString() ?? null,
      createdAt: contact.createdAt.toISOString(),
      updatedAt: contact.updatedAt.toISOString(),
    };
  }
}
