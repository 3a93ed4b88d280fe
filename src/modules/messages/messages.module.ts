import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { PhoneNumbersModule } from '../phone-numbers/phone-numbers.module';
import { WabasModule } from '../wabas/wabas.module';
import { MessageBatchesController } from './message-batches.controller';
import { MessageBatchService } from './send/message-batch.service';
import { MessageSenderService } from './send/message-sender.service';
import { MessageWriterService } from './send/message-writer.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  imports: [WabasModule, PhoneNumbersModule, MediaModule],
  controllers: [MessageBatchesController, MessagesController],
  providers: [MessagesService, MessageSenderService, MessageWriterService, MessageBatchService],
  exports: [MessagesService, MessageSenderService, WabasModule, MediaModule],
})
export class MessagesModule {}
