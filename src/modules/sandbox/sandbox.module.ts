import { Module } from '@nestjs/common';
import { PhoneNumbersModule } from '../phone-numbers/phone-numbers.module';
import { WabasModule } from '../wabas/wabas.module';
import { SandboxController } from './sandbox.controller';
import { SandboxService } from './sandbox.service';

@Module({
  imports: [WabasModule, PhoneNumbersModule],
  controllers: [SandboxController],
  providers: [SandboxService],
})
export class SandboxModule {}
