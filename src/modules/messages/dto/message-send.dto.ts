import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import {
  ContactCardDto,
  CONTENT_EXTRA_MODELS,
  INTERACTIVE,
  LocationContentDto,
  MEDIA_CONTENT,
  ReactionContentDto,
  TemplateContentDto,
  TextContentDto,
} from './message-content.dto';

/** The object of the message's type; checked by Meta's rules when the message is sent (see message-content.dto.ts). */
const content = (type: string, schema: object, example: object) =>
  ApiPropertyOptional({ description: `For type ${type}`, ...schema, example });

/** What a message says: Meta's type names and objects, in camelCase (reference §1.2). */
@ApiExtraModels(...CONTENT_EXTRA_MODELS)
export class MessageContentDto {
  @ApiProperty({ format: 'uuid', description: 'Our id of the sending phone number' }) @IsUUID() phoneNumberId!: string;

  @ApiProperty({ enum: SENDABLE_TYPES, enumName: 'OutboundMessageType' })
  @IsIn(SENDABLE_TYPES)
  type!: string;

  @content('text', { type: TextContentDto }, { body: 'Hello', previewUrl: false })
  @IsOptional()
  @IsObject()
  text?: Record<string, unknown>;

  @content('image: exactly one of id (uploaded) and link', MEDIA_CONTENT.image, {
    link: 'https://example.com/a.jpg',
    caption: 'The blue one',
  })
  @IsOptional()
  @IsObject()
  image?: Record<string, unknown>;

  @content('audio: exactly one of id (uploaded) and link; no caption', MEDIA_CONTENT.audio, {
    link: 'https://example.com/a.ogg',
    voice: true,
  })
  @IsOptional()
  @IsObject()
  audio?: Record<string, unknown>;

  @content('video: exactly one of id (uploaded) and link', MEDIA_CONTENT.video, { link: 'https://example.com/a.mp4' })
  @IsOptional()
  @IsObject()
  video?: Record<string, unknown>;

  @content('document: exactly one of id (uploaded) and link', MEDIA_CONTENT.document, {
    link: 'https://example.com/a.pdf',
    filename: 'a.pdf',
  })
  @IsOptional()
  @IsObject()
  document?: Record<string, unknown>;

  @content('sticker (WebP): exactly one of id (uploaded) and link; no caption', MEDIA_CONTENT.sticker, {
    link: 'https://example.com/a.webp',
  })
  @IsOptional()
  @IsObject()
  sticker?: Record<string, unknown>;

  @content('location', { type: LocationContentDto }, { latitude: 52.52, longitude: 13.4, name: 'Office' })
  @IsOptional()
  @IsObject()
  location?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: [ContactCardDto],
    minItems: 1,
    maxItems: 5,
    description: 'For type contacts: 1 to 5 contact cards',
    example: [{ name: { formattedName: 'Ana Silva' }, phones: [{ phone: '+1 555 010 2030', type: 'WORK' }] }],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @IsObject({ each: true })
  contacts?: Record<string, unknown>[];

  @content(
    'interactive: reply buttons, a list, a URL button, a location request, or another of Meta’s kinds',
    INTERACTIVE,
    {
      type: 'button',
      body: { text: 'Pick' },
      action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'A' } }] },
    },
  )
  @IsOptional()
  @IsObject()
  interactive?: Record<string, unknown>;

  @content(
    'template: an APPROVED template and the values of its variables',
    { type: TemplateContentDto },
    {
      name: 'hello_world',
      language: { code: 'en_US' },
    },
  )
  @IsOptional()
  @IsObject()
  template?: Record<string, unknown>;

  @content(
    'reaction (a reaction cannot be a reply: no replyTo)',
    { type: ReactionContentDto },
    {
      messageId: 'wamid.HBgL…',
      emoji: '👍',
    },
  )
  @IsOptional()
  @IsObject()
  reaction?: Record<string, unknown>;
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

  @ApiPropertyOptional({ format: 'uuid', description: 'Our id of the message to quote (not for a reaction)' })
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
