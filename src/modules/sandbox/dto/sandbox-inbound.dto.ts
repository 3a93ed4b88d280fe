import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INBOUND_MESSAGE_TYPES } from '@libs/meta-sandbox';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

/** Every inbound type the sandbox can deliver, with Meta's names. */
export const INBOUND_TYPES = INBOUND_MESSAGE_TYPES;
export type InboundType = (typeof INBOUND_TYPES)[number];

const contentOf = (type: InboundType) => (dto: SandboxInboundDto) => dto.type === type;
const contentDescription = (type: string, example: string) =>
  `Meta's \`${type}\` object, with Meta's field names (required when type is ${type}), e.g. ${example}`;

export class SandboxInboundContextDto {
  @ApiProperty({ description: 'The wamid of the message being replied to.', example: 'wamid.HBgLMTU1NTEyMzQ1Njc...' })
  @IsString()
  @MaxLength(256)
  messageId!: string;
}

/** A customer's message to a sandbox phone, delivered to us as Meta would deliver it. */
export class SandboxInboundDto {
  @ApiProperty({ format: 'uuid', description: 'Our id of the test-mode phone number that receives the message.' })
  @IsUUID()
  phoneNumberId!: string;

  @ApiPropertyOptional({
    description: "The customer's phone number (E.164 or digits); becomes `wa_id`. Give `from`, `userId` or both.",
    example: '+15551234567',
  })
  @ValidateIf((dto: SandboxInboundDto) => dto.from !== undefined || dto.userId === undefined)
  @Matches(/^\+?\d{6,20}$/, { message: 'from must be a phone number in E.164 form, e.g. +15551234567' })
  from?: string;

  @ApiPropertyOptional({
    description: 'Business-scoped user id (BSUID) of the customer.',
    example: 'US.13491208655302741918',
  })
  @IsOptional()
  @Matches(/^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$/, { message: 'userId must be a BSUID such as US.13491208655302741918' })
  userId?: string;

  @ApiPropertyOptional({ description: "The customer's WhatsApp username, if they adopted one.", example: 'ahmed.k' })
  @IsOptional()
  @IsString()
  @MaxLength(35)
  username?: string;

  @ApiPropertyOptional({ description: "The customer's profile name.", example: 'Ahmed' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  profileName?: string;

  @ApiProperty({ enum: INBOUND_TYPES, enumName: 'InboundMessageType' })
  @IsIn(INBOUND_TYPES)
  type!: InboundType;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('text', '{ "body": "hi" }'),
  })
  @ValidateIf(contentOf('text'))
  @IsObject()
  text?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('image', '{ "caption": "receipt" }'),
  })
  @ValidateIf(contentOf('image'))
  @IsObject()
  image?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('audio', '{ "voice": true }'),
  })
  @ValidateIf(contentOf('audio'))
  @IsObject()
  audio?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('video', '{ "caption": "unboxing" }'),
  })
  @ValidateIf(contentOf('video'))
  @IsObject()
  video?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('document', '{ "filename": "invoice.pdf" }'),
  })
  @ValidateIf(contentOf('document'))
  @IsObject()
  document?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('sticker', '{ "animated": false }'),
  })
  @ValidateIf(contentOf('sticker'))
  @IsObject()
  sticker?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('location', '{ "latitude": 52.52, "longitude": 13.40, "name": "Office" }'),
  })
  @ValidateIf(contentOf('location'))
  @IsObject()
  location?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: contentDescription(
      'contacts',
      '[{ "name": { "formatted_name": "Sam" }, "phones": [{ "phone": "+1555..." }] }]',
    ),
  })
  @ValidateIf(contentOf('contacts'))
  @IsArray()
  @IsObject({ each: true })
  contacts?: Record<string, unknown>[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription(
      'interactive',
      '{ "type": "button_reply", "button_reply": { "id": "yes", "title": "Yes" } }',
    ),
  })
  @ValidateIf(contentOf('interactive'))
  @IsObject()
  interactive?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('button', '{ "payload": "STOP", "text": "Stop promotions" }'),
  })
  @ValidateIf(contentOf('button'))
  @IsObject()
  button?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('reaction', '{ "message_id": "wamid....", "emoji": "👍" }'),
  })
  @ValidateIf(contentOf('reaction'))
  @IsObject()
  reaction?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('order', '{ "catalog_id": "123", "product_items": [...] }'),
  })
  @ValidateIf(contentOf('order'))
  @IsObject()
  order?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('system', '{ "type": "user_changed_number", "body": "..." }'),
  })
  @ValidateIf(contentOf('system'))
  @IsObject()
  system?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: contentDescription('unsupported', '{ "type": "poll" }'),
  })
  @ValidateIf(contentOf('unsupported'))
  @IsObject()
  unsupported?: Record<string, unknown>;

  @ApiPropertyOptional({ type: SandboxInboundContextDto, description: 'Makes the message a reply to one of yours.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SandboxInboundContextDto)
  context?: SandboxInboundContextDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Meta's `referral` object (Click-to-WhatsApp ad or post), with Meta's field names.",
  })
  @IsOptional()
  @IsObject()
  referral?: Record<string, unknown>;
}

export class SandboxInboundAcceptedDto {
  @ApiProperty({ description: 'The wamid Meta gave the simulated message.', example: 'wamid.HBgLMTU1NTEyMzQ1Njc...' })
  messageId!: string;
}
