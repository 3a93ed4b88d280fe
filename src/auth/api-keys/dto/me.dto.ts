import { ApiProperty } from '@nestjs/swagger';
import { Scope, SCOPES } from '../../scopes';
import { API_KEY_MODES, ApiKeyMode } from './api-key-create.dto';

export class MeOrganizationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Acme Support' }) name!: string;
}

export class MeApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'CRM integration' }) name!: string;
  @ApiProperty({ enum: API_KEY_MODES, enumName: 'ApiKeyMode' }) mode!: ApiKeyMode;
  @ApiProperty({ enum: SCOPES, enumName: 'Scope', isArray: true }) scopes!: Scope[];
}

export class MeDto {
  @ApiProperty({ type: MeOrganizationDto }) organization!: MeOrganizationDto;
  @ApiProperty({ type: MeApiKeyDto }) apiKey!: MeApiKeyDto;
}
