import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PaginationQueryDto } from '../../../common/pagination/pagination-query.dto';
import { camelCaseKeys } from '../../messages/message-content';
import { Template } from '../template.entity';

const CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'marketing', 'utility', 'authentication'];

export class TemplateButtonDto {
  @ApiProperty({ example: 'QUICK_REPLY', description: 'QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP or FLOW' })
  @IsString()
  @MaxLength(32)
  type!: string;

  @ApiPropertyOptional({ maxLength: 25, example: 'Track order' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  text?: string;
  @ApiPropertyOptional({ example: 'https://example.com/o/{{1}}' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  url?: string;
  @ApiPropertyOptional({ example: '+15550001111' }) @IsOptional() @IsString() @MaxLength(40) phoneNumber?: string;
  @ApiPropertyOptional({ type: [String], example: ['A-17'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  example?: string[];
  @ApiPropertyOptional({ example: 'COPY_CODE', description: 'OTP buttons: COPY_CODE, ONE_TAP or ZERO_TAP' })
  @IsOptional()
  @IsString()
  otpType?: string;
}

export class TemplateComponentDto {
  @ApiProperty({ example: 'BODY', description: 'HEADER, BODY, FOOTER or BUTTONS' })
  @IsString()
  @MaxLength(16)
  type!: string;
  @ApiPropertyOptional({ example: 'TEXT', description: 'HEADER: TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION' })
  @IsOptional()
  @IsString()
  format?: string;
  @ApiPropertyOptional({ example: 'Hi {{1}}, your order {{2}} ships today.' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  text?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Examples for the variables: headerText, bodyText, headerTextNamedParams, bodyTextNamedParams, headerHandle',
    example: { bodyText: [['Ana', 'A-17']] },
  })
  @IsOptional()
  @IsObject()
  example?: Record<string, unknown>;
  @ApiPropertyOptional({ type: [TemplateButtonDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => TemplateButtonDto)
  buttons?: TemplateButtonDto[];
  @ApiPropertyOptional({ description: 'AUTHENTICATION BODY' })
  @IsOptional()
  @IsBoolean()
  addSecurityRecommendation?: boolean;
  @ApiPropertyOptional({ description: 'AUTHENTICATION FOOTER, 1–90' })
  @IsOptional()
  @IsInt()
  codeExpirationMinutes?: number;
}

export class TemplateCreateDto {
  @ApiProperty({ format: 'uuid', description: 'Our id of the WABA' }) @IsUUID() wabaId!: string;
  @ApiProperty({ example: 'order_update', description: 'Lowercase letters, digits and underscores' })
  @IsString()
  @MaxLength(512)
  name!: string;
  @ApiProperty({ example: 'en_US' }) @Matches(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/) language!: string;
  @ApiProperty({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'], example: 'UTILITY' })
  @IsIn(CATEGORIES)
  category!: string;
  @ApiPropertyOptional({ enum: ['positional', 'named'], description: 'Default positional' })
  @IsOptional()
  @IsIn(['positional', 'named', 'POSITIONAL', 'NAMED'])
  parameterFormat?: 'positional' | 'named';
  @ApiProperty({ type: [TemplateComponentDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => TemplateComponentDto)
  components!: TemplateComponentDto[];
}

export class TemplateEditDto {
  @ApiPropertyOptional({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] })
  @IsOptional()
  @IsIn(CATEGORIES)
  category?: string;
  @ApiPropertyOptional({ type: [TemplateComponentDto], description: 'Replaces all components' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => TemplateComponentDto)
  components?: TemplateComponentDto[];
}

export class TemplateListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() wabaId?: string;
  @ApiPropertyOptional({ example: 'APPROVED' }) @IsOptional() @Matches(/^[A-Z_]{3,24}$/) status?: string;
  @ApiPropertyOptional({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] })
  @IsOptional()
  @IsIn(CATEGORIES)
  category?: string;
  @ApiPropertyOptional({ example: 'en_US' }) @IsOptional() @Matches(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/) language?: string;
  @ApiPropertyOptional({ description: 'Part of the name' }) @IsOptional() @IsString() @MaxLength(100) search?: string;
}

export class TemplateDeleteByNameQueryDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() wabaId!: string;
  @ApiProperty({ example: 'order_update' }) @IsString() @MaxLength(512) name!: string;
}

export class TemplateDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) wabaId!: string;
  @ApiProperty({ example: '1063234879' }) metaTemplateId!: string;
  @ApiProperty({ example: 'order_update' }) name!: string;
  @ApiProperty({ example: 'en_US' }) language!: string;
  @ApiProperty({ example: 'UTILITY' }) category!: string;
  @ApiProperty({ example: 'APPROVED', description: "Meta's status" }) status!: string;
  @ApiProperty({ type: String, nullable: true, example: 'INVALID_FORMAT' }) rejectedReason!: string | null;
  @ApiProperty({ enum: ['POSITIONAL', 'NAMED'], enumName: 'TemplateParameterFormat' }) parameterFormat!: string;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'In camelCase' })
  components!: Record<string, unknown>[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSyncedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(template: Template): TemplateDto {
    return {
      id: template.id,
      wabaId: template.wabaId,
      metaTemplateId: template.metaTemplateId,
      name: template.name,
      language: template.language,
      category: template.category,
      status: template.status,
      rejectedReason: template.rejectedReason,
      parameterFormat: template.parameterFormat,
      components: camelCaseKeys(template.components) as Record<string, unknown>[],
      lastSyncedAt: template.lastSyncedAt?.toISOString() ?? null,
      createdAt: template.createdAt.toISOString(),
    };
  }
}

export class TemplateSyncResultDto {
  @ApiProperty({ type: 'integer' }) imported!: number;
  @ApiProperty({ type: 'integer' }) updated!: number;
  @ApiProperty({ type: 'integer', description: 'Gone at Meta, removed here' }) removed!: number;
}
