import { Module } from '@nestjs/common';
import { PhoneNumbersModule } from './phone-numbers.module';
import { PhoneNumbersProcessor } from './phone-numbers.processor';
import { PhoneNumbersScheduler } from './phone-numbers.scheduler';

/** Registered only where workers run (APP_ROLE=all|worker). */
@Module({
  imports: [PhoneNumbersModule],
  providers: [PhoneNumbersProcessor, PhoneNumbersScheduler],
})
export class PhoneNumbersWorkerModule {}
