import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { EVENT_TYPES } from '../../events/event.entity';
import { WebhookEndpoint } from '../webhook-endpoint.entity';

const EVENT_PATTERN = new RegExp(
  `^(\\*|${[...new Set(EVENT_TYPES.map((type) => type.split('.')[0]))].map((prefix) => `${prefix}\\.\\*`).join('|')}|${EVENT_TYPES.map((type) => type.replace('.', '\\.')).join('|')})$`,
);
const EVENTS_EXAMPLE = ['message.*', 'conversation.created'];

class EndpointFieldsDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, example: 'CRM sync' })
  @IsOptional()
  @ValidateIf((_dto, value) => value !== null)
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Only events of this phone number',
  })
  @IsOptional()
  @ValidateIf((_dto, value) => value !== null)
  @IsUUID()
  phoneNumberId?: string | null;

  @ApiPropertyOptional({ description: 'Deliveries happen only while enabled (default true)' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookEndpointCreateDto extends EndpointFieldsDto {
  @ApiProperty({
    maxLength: 2048,
    example: 'https://example.com/hooks/openwaba',
    description: 'HTTPS URL on a public address',
  })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({
    type: [String],
    example: EVENTS_EXAMPLE,
    description: 'Event types, `message.*`-style wildcards, or `*`',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(EVENT_PATTERN, { each: true, message: 'each event must be an event type, a wildcard like message.*, or *' })
  events!: string[];
}

export class WebhookEndpointUpdateDto extends EndpointFieldsDto {
  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ type: [String], example: EVENTS_EXAMPLE })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(EVENT_PATTERN, { each: true, message: 'each event must be an event type, a wildcard like message.*, or *' })
  events?: string[];
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://example.com/hooks/openwaba' }) url!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: [String], example: EVENTS_EXAMPLE }) events!: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) phoneNumberId!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['gone', 'failing'],
    enumName: 'WebhookDisabledReason',
    description: 'Why OpenWABA disabled it: 410 Gone, or failing for too long',
  })
  disabledReason!: 'gone' | 'failing' | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Failing without a success since' })
  failingSince!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when the previous secret also signs',
  })
  previousSecretExpiresAt!: string | null;
  @ApiProperty({ enum: ['live', 'test'], enumName: 'Mode' }) mode!: 'live' | 'test';
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(endpoint: WebhookEndpoint, now = new Date()): WebhookEndpointDto {
    const rotating = endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now;
    return {
      id: endpoint.id,
      url: endpoint.url,
      description: endpoint.description,
      events: endpoint.eventTypes,
      phoneNumberId: endpoint.phoneNumberId,
      enabled: endpoint.enabled,
      disabledReason: endpoint.disabledReason as 'gone' | 'failing' | null,
      failingSince: endpoint.failingSince?.toISOString() ?? null,
      previousSecretExpiresAt: rotating ? endpoint.previousSecretExpiresAt!.toISOString() : null,
      mode: endpoint.livemode ? 'live' : 'test',
      createdAt: endpoint.createdAt.toISOString(),
    };
  }
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({ description: 'The signing secret, shown only now', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret!: string;
}
