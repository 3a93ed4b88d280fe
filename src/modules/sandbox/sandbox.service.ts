import { Injectable } from '@nestjs/common';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { SandboxHost } from '../meta/sandbox-host';
import { PhoneNumbersService } from '../phone-numbers/phone-numbers.service';
import { WabasService } from '../wabas/wabas.service';
import { SandboxInboundAcceptedDto, SandboxInboundDto } from './dto/sandbox-inbound.dto';

@Injectable()
export class SandboxService {
  constructor(
    private readonly sandboxHost: SandboxHost,
    private readonly wabas: WabasService,
    private readonly phoneNumbers: PhoneNumbersService,
  ) {}

  async simulateInbound(principal: ApiKeyPrincipal, dto: SandboxInboundDto): Promise<SandboxInboundAcceptedDto> {
    if (principal.livemode) {
      throw new AppException(ErrorCode.Forbidden, 'The sandbox is test mode: use an owb_test_ key');
    }
    const phone = await this.phoneNumbers.get(principal, dto.phoneNumberId);
    const waba = await this.wabas.findById(phone.wabaId);
    if (!waba?.isSandbox) {
      throw AppException.notFound('Sandbox phone number');
    }
    await this.wabas.access(waba);
    const sandbox = await this.sandboxHost.get();
    const { messageId } = await sandbox.simulateInbound({
      phoneNumberId: phone.metaPhoneNumberId,
      from: dto.from?.replace(/^\+/, ''),
      userId: dto.userId,
      username: dto.username,
      profileName: dto.profileName,
      type: dto.type,
      content: (dto[dto.type] ?? {}) as object,
      context: dto.context ? { id: dto.context.messageId } : undefined,
      referral: dto.referral,
    });
    return { messageId };
  }
}
