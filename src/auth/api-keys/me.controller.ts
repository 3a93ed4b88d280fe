import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppException } from '../../common/errors/app.exception';
import { ApiDataResponse } from '../../common/openapi/api-responses.decorator';
import { OrganizationsService } from '../../modules/organizations/organizations.service';
import { ApiKeyAuth, CurrentApiKey } from '../decorators';
import type { ApiKeyPrincipal } from '../principal';
import { ApiKeysService } from './api-keys.service';
import { MeDto } from './dto/me.dto';

@ApiTags('API keys')
@Controller('v1/me')
export class MeController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly organizations: OrganizationsService,
  ) {}

  @Get()
  @ApiKeyAuth()
  @ApiOperation({ summary: 'The organization and API key behind this request' })
  @ApiDataResponse(MeDto)
  async getMe(@CurrentApiKey() principal: ApiKeyPrincipal): Promise<MeDto> {
    const [key, organization] = await Promise.all([
      this.apiKeys.get(principal.organizationId, principal.apiKeyId),
      this.organizations.getById(principal.organizationId),
    ]);
    if (!organization) {
      throw AppException.notFound('Organization');
    }
    return {
      organization: { id: organization.id, name: organization.name },
      apiKey: { id: key.id, name: key.name, mode: key.livemode ? 'live' : 'test', scopes: key.scopes },
    };
  }
}
