import { Module } from '@nestjs/common';
import { OutgoingWebhooksController } from './outgoing-webhooks.controller';
import { OutgoingWebhooksService } from './outgoing-webhooks.service';
import { WebhookDeliveryService } from './webhook-delivery.service';

@Module({
  controllers: [OutgoingWebhooksController],
  providers: [OutgoingWebhooksService, WebhookDeliveryService],
  exports: [WebhookDeliveryService],
})
export class OutgoingWebhooksModule {}
