import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class TemplateParameterDto {
  @ApiProperty({
    example: 'text',
    description: 'text, currency, date_time, image, video, document, coupon_code, payload',
  })
  @IsIn(['text', 'currency', 'date_time', 'image', 'video', 'document', 'location', 'coupon_code', 'payload', 'action'])
  type!: string;
  @ApiPropertyOptional({ example: 'Ana' }) @IsOptional() @IsString() @MaxLength(4096) text?: string;
  @ApiPropertyOptional({ description: 'Named templates: which variable', example: 'first_name' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]*$/)
  parameterName?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() image?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() video?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() document?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ example: 'SPRING10' }) @IsOptional() @IsString() @MaxLength(20) couponCode?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) payload?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { fallbackValue: '$10' } })
  @IsOptional()
  @IsObject()
  currency?: { fallbackValue: string };
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { fallbackValue: 'May 1' } })
  @IsOptional()
  @IsObject()
  dateTime?: { fallbackValue: string };
}

export class TemplateSendComponentDto {
  @ApiProperty({ enum: ['header', 'body', 'button'] })
  @IsIn(['header', 'body', 'button', 'HEADER', 'BODY', 'BUTTON'])
  type!: string;
  @ApiPropertyOptional({ example: 'url', description: 'Buttons: quick_reply, url, copy_code, …' })
  @IsOptional()
  @IsString()
  subType?: string;
  @ApiPropertyOptional({ example: '0', description: "Buttons: the button's position" })
  @IsOptional()
  @Matches(/^\d$/)
  index?: string;
  @ApiProperty({ type: [TemplateParameterDto] })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => TemplateParameterDto)
  parameters!: TemplateParameterDto[];
}

export class TemplatePreviewDto {
  @ApiPropertyOptional({
    type: [TemplateSendComponentDto],
    description: "Parameters as a send gives them (Meta's shape, camelCase)",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(12)
  @ValidateNested({ each: true })
  @Type(() => TemplateSendComponentDto)
  components?: TemplateSendComponentDto[];
}

class RenderedHeaderDto {
  @ApiProperty({ example: 'TEXT' }) format!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Order A-17 news' }) text!: string | null;
}

class RenderedButtonDto {
  @ApiProperty({ example: 'URL' }) type!: string;
  @ApiProperty({ example: 'Open order' }) text!: string;
  @ApiPropertyOptional({ example: 'https://shop.example/o/A-17' }) url?: string;
  @ApiPropertyOptional() phoneNumber?: string;
}

export class RenderedTemplateDto {
  @ApiProperty({ type: RenderedHeaderDto, nullable: true }) header!: RenderedHeaderDto | null;
  @ApiProperty({ example: 'Hi Ana, your order ships Monday as planned.' }) body!: string;
  @ApiProperty({ type: String, nullable: true }) footer!: string | null;
  @ApiProperty({ type: [RenderedButtonDto] }) buttons!: RenderedButtonDto[];
}
