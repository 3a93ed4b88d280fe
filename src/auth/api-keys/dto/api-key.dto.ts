import { ApiProperty } from '@nestjs/swagger';
import { Scope, SCOPES } from '../../scopes';
import { ApiKey } from '../api-key.entity';
import { API_KEY_MODES, ApiKeyMode } from './api-key-create.dto';

const API_KEY_STATUSES = ['active', 'revoked', 'expired'] as const;
type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'CRM integration' }) name!: string;
  @ApiProperty({ enum: API_KEY_MODES, enumName: 'ApiKeyMode' }) mode!: ApiKeyMode;
  @ApiProperty({ enum: API_KEY_STATUSES, enumName: 'ApiKeyStatus' }) status!: ApiKeyStatus;
  @ApiProperty({ description: 'Kind prefix and last four characters; safe to display.', example: 'owb_test_…x9Qa' })
  keyPreview!: string;
  @ApiProperty({ enum: SCOPES, enumName: 'Scope', isArray: true }) scopes!: Scope[];
  @ApiProperty({ type: 'integer', nullable: true, description: 'null: the server-wide default applies.' })
  rateLimitPerMinute!: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Recorded asynchronously, to the minute.',
  })
  lastUsedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(key: ApiKey, now = new Date()): ApiKeyDto {
    const status: ApiKeyStatus = key.revokedAt
      ? 'revoked'
      : key.expiresAt && key.expiresAt <= now
        ? 'expired'
        : 'active';
    return {
      id: key.id,
      name: key.name,
      mode: key.livemode ? 'live' : 'test',
      status,
      keyPreview: key.keyPreview,
      scopes: key.scopes,
      rateLimitPerMinute: key.rateLimitPerMinute,
      expiresAt: iso(key.expiresAt),
      revokedAt: iso(key.revokedAt),
      lastUsedAt: iso(key.lastUsedAt),
      createdAt: key.createdAt.toISOString(),
    };
  }
}

export class ApiKeyCreatedDto extends ApiKeyDto {
  @ApiProperty({
    description: 'The whole key. It is shown only in this response: store it now.',
    example: 'owb_test_4fJ0y2kq8mZ6vT1nR3pL7sW9xC5bD0eHaGiKoMuQx9Qa',
  })
  key!: string;
}
