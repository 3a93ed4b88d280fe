import { Module } from '@nestjs/common';
import { MediaModule } from './media.module';
import { MediaProcessor } from './media.processor';

/** Downloads of inbound media; registered only where workers run. */
@Module({
  imports: [MediaModule],
  providers: [MediaProcessor],
})
export class MediaWorkerModule {}
