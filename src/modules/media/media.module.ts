import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { WabasModule } from '../wabas/wabas.module';
import { MediaController } from './media.controller';
import { MediaService } from './media.service';
import { LocalDiskMediaStorage, MEDIA_STORAGE } from './media-storage';
import { S3MediaStorage } from './s3-media-storage';

@Module({
  imports: [WabasModule],
  controllers: [MediaController],
  providers: [
    MediaService,
    {
      provide: MEDIA_STORAGE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        config.s3 ? new S3MediaStorage(config.s3) : new LocalDiskMediaStorage(config.mediaDir),
    },
  ],
  exports: [MediaService],
})
export class MediaModule {}
