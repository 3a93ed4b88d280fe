import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinDate,
} from 'class-validator';
import { Scope, SCOPES } from '../../scopes';

export const API_KEY_MODES = ['live', 'test'] as const;
export type ApiKeyMode = (typeof API_KEY_MODES)[number];

export class ApiKeyCreateDto {
  @ApiProperty({ description: 'What the key is for, shown in listings.', example: 'CRM integration', maxLength: 100 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiProperty({
    enum: API_KEY_MODES,
    enumName: 'ApiKeyMode',
    description: '`test` keys (owb_test_…) only see the sandbox; `live` keys (owb_live_…) only see live data.',
  })
  @IsIn(API_KEY_MODES)
  mode!: ApiKeyMode;

  @ApiPropertyOptional({
    enum: SCOPES,
    enumName: 'Scope',
    isArray: true,
    description: 'Restrict the key to these scopes. Omit for a key with every scope.',
    example: ['messages:read', 'messages:write'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SCOPES.length)
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes?: Scope[];

  @ApiPropertyOptional({ format: 'date-time', description: 'When the key stops working. Must be in the future.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(() => new Date(), { message: 'expiresAt must be in the future' })
  expiresAt?: Date;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Requests per minute allowed for this key; defaults to the server-wide limit.',
    minimum: 1,
    maximum: 1_000_000,
    example: 1200,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rateLimitPerMinute?: number;
}
