import { Module } from '@nestjs/common';
import { PhoneNumbersModule } from '../phone-numbers/phone-numbers.module';
import { WabasModule } from '../wabas/wabas.module';
import { MessageSenderService } from './send/message-sender.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  imports: [WabasModule, PhoneNumbersModule],
  controllers: [MessagesController],
  providers: [MessagesService, MessageSenderService],
  exports: [MessagesService, MessageSenderService, WabasModule],
})
export class MessagesModule {}
