import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

const E164 = /^\+[1-9]\d{6,14}$/;
const BSUID = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;
const TAG = /^[\w:.-]{1,64}$/;

class ContactFieldsDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 256, example: 'Ahmed Khan' })
  @IsOptional()
  @ValidateIf((_dto, value) => value !== null)
  @IsString()
  @MaxLength(256)
  name?: string | null;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 50,
    description: 'Replaces the tags; letters, digits, _ : . -',
    example: ['vip'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(TAG, { each: true, message: 'each tag is 1-64 letters, digits or _ : . -' })
  tags?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Custom attributes (e.g. CRM ids); merged into the existing ones, a null value removes a key',
    example: { crmId: 'C-17' },
  })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;
}

/** Create or update a contact found by its phone or BSUID. */
export class ContactUpsertDto extends ContactFieldsDto {
  @ApiPropertyOptional({ description: 'Phone in E.164; give phone, bsuid or both', example: '+15551234567' })
  @ValidateIf((dto: ContactUpsertDto) => dto.bsuid === undefined || dto.phone !== undefined)
  @Matches(E164, { message: 'phone must be E.164, e.g. +15551234567 (phone or bsuid is required)' })
  phone?: string;

  @ApiPropertyOptional({ description: 'Business-scoped user id', example: 'US.13491208655302741918' })
  @IsOptional()
  @Matches(BSUID, { message: 'bsuid must look like US.13491208655302741918' })
  bsuid?: string;
}

export class ContactUpdateDto extends ContactFieldsDto {}

export class ContactListQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page; omit for the first page.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ description: 'Matches phone digits, name, profile name or username (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ description: 'Only contacts with this tag' })
  @IsOptional()
  @Matches(TAG)
  tag?: string;
}
