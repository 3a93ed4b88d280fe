import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { HousekeepingProcessor } from './housekeeping.processor';
import { HousekeepingScheduler } from './housekeeping.scheduler';

/** Registered only where workers run (APP_ROLE=all|worker). */
@Module({
  imports: [AuthModule],
  providers: [HousekeepingProcessor, HousekeepingScheduler],
})
export class HousekeepingModule {}
