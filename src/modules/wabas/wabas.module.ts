import { forwardRef, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrganizationsModule } from '../organizations/organizations.module';
import { PhoneNumbersModule } from '../phone-numbers/phone-numbers.module';
import { TestModeService } from './test-mode.service';
import { Waba } from './waba.entity';
import { WabasController } from './wabas.controller';
import { WabasService } from './wabas.service';

@Module({
  imports: [TypeOrmModule.forFeature([Waba]), OrganizationsModule, forwardRef(() => PhoneNumbersModule)],
  controllers: [WabasController],
  providers: [WabasService, TestModeService],
  exports: [WabasService],
})
export class WabasModule {}
