import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { SENDABLE_TYPES } from '@libs/meta-graph';

const object = (description: string, example: object) =>
  ApiPropertyOptional({ type: 'object', additionalProperties: true, description, example });

/** What a message says: Meta's type names and objects, in camelCase (reference §1.2). */
export class MessageContentDto {
  @ApiProperty({ format: 'uuid', description: 'Our id of the sending phone number' }) @IsUUID() phoneNumberId!: string;

  @ApiProperty({ enum: SENDABLE_TYPES, enumName: 'OutboundMessageType' }) @IsIn(SENDABLE_TYPES) type!: string;

  @object('type text', { body: 'Hello', previewUrl: false }) @IsOptional() @IsObject() text?: Record<string, unknown>;
  @object('type image: id (uploaded) or link, caption', { link: 'https://example.com/a.jpg' })
  @IsOptional()
  @IsObject()
  image?: Record<string, unknown>;
  @object('type audio', { link: 'https://example.com/a.ogg', voice: true }) @IsOptional() @IsObject() audio?: Record<
    string,
    unknown
  >;
  @object('type video', { link: 'https://example.com/a.mp4' }) @IsOptional() @IsObject() video?: Record<
    string,
    unknown
  >;
  @object('type document', { link: 'https://example.com/a.pdf', filename: 'a.pdf' })
  @IsOptional()
  @IsObject()
  document?: Record<string, unknown>;
  @object('type sticker', { link: 'https://example.com/a.webp' }) @IsOptional() @IsObject() sticker?: Record<
    string,
    unknown
  >;
  @object('type location', { latitude: 52.52, longitude: 13.4, name: 'Office' })
  @IsOptional()
  @IsObject()
  location?: Record<string, unknown>;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'type contacts',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @IsObject({ each: true })
  contacts?: Record<string, unknown>[];
  @object('type interactive', {
    type: 'button',
    body: { text: 'Pick' },
    action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'A' } }] },
  })
  @IsOptional()
  @IsObject()
  interactive?: Record<string, unknown>;
  @object('type template', { name: 'hello_world', language: { code: 'en_US' } })
  @IsOptional()
  @IsObject()
  template?: Record<string, unknown>;
  @object('type reaction', { messageId: 'wamid.HBgL…', emoji: '👍' }) @IsOptional() @IsObject() reaction?: Record<
    string,
    unknown
  >;
}

/** A message to send to one customer. */
export class MessageSendDto extends MessageContentDto {
  @ApiPropertyOptional({
    example: '+15551234567',
    description: 'The customer: E.164 phone or wa_id (or give recipient)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  to?: string;

  @ApiPropertyOptional({ example: 'US.13491208655302741918', description: "The customer's business-scoped user id" })
  @IsOptional()
  @Matches(/^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/)
  recipient?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Our id of the message to quote' })
  @IsOptional()
  @IsUUID()
  replyTo?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Yours, echoed in every event of this message',
  })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}
