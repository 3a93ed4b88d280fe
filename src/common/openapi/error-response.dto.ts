import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-code';

export class FieldErrorDto {
  @ApiProperty({ example: 'name' }) field!: string;
  @ApiProperty({ example: 'name must be shorter than or equal to 200 characters' }) message!: string;
}

export class ErrorDto {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.ValidationError }) code!: ErrorCode;
  @ApiProperty({ example: 'Invalid request: name must be a string' }) message!: string;
  @ApiPropertyOptional({
    description: 'For VALIDATION_ERROR, one entry per offending field.',
    type: [FieldErrorDto],
  })
  details?: FieldErrorDto[];
  @ApiProperty({ example: 'req_0193a5c2-7b1e-7c3e-9a51-1f0e2d3c4b5a', description: 'Also sent as X-Request-Id.' })
  requestId!: string;
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorDto }) error!: ErrorDto;
}
