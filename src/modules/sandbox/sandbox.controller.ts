import { Body, Controller, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ApiDataResponse, ApiErrorResponses } from '../../common/openapi/api-responses.decorator';
import { SandboxInboundAcceptedDto, SandboxInboundDto } from './dto/sandbox-inbound.dto';
import { SandboxService } from './sandbox.service';

@ApiTags('Sandbox (test mode)')
@Controller('v1/sandbox')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Post('inbound')
  @ApiKeyAuth()
  @ApiOperation({
    summary: "Make a customer's message arrive at a sandbox phone",
    description:
      'Test keys only. The sandbox delivers it to OpenWABA exactly as Meta would: a signed `messages` webhook ' +
      "with `wa_id`, BSUID (`user_id`) and username fields as given. Any inbound type, with Meta's field names.",
  })
  @ApiDataResponse(SandboxInboundAcceptedDto, { status: 202, description: 'Delivered to our webhook endpoint' })
  @ApiErrorResponses(400, 404)
  async simulateInbound(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Body() body: SandboxInboundDto,
  ): Promise<SandboxInboundAcceptedDto> {
    return this.sandbox.simulateInbound(principal, body);
  }
}
