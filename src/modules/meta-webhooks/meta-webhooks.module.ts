import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetaWebhookEvent } from './meta-webhook-event.entity';
import { AdminMetaWebhooksController } from './admin-meta-webhooks.controller';
import { MetaWebhooksController } from './meta-webhooks.controller';
import { MetaWebhooksService } from './meta-webhooks.service';

@Module({
  imports: [TypeOrmModule.forFeature([MetaWebhookEvent])],
  controllers: [MetaWebhooksController, AdminMetaWebhooksController],
  providers: [MetaWebhooksService],
  exports: [MetaWebhooksService],
})
export class MetaWebhooksModule {}
