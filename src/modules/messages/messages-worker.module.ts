import { Module } from '@nestjs/common';
import { MessagesModule } from './messages.module';
import { MessageDeliveryService } from './send/message-delivery.service';
import { OutboundMessagesProcessor, OutboundMessagesScheduler } from './send/outbound-messages.processor';

/** Delivery of outbound messages; registered only where workers run. */
@Module({
  imports: [MessagesModule],
  providers: [MessageDeliveryService, OutboundMessagesProcessor, OutboundMessagesScheduler],
})
export class MessagesWorkerModule {}
