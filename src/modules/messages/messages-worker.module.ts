import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { REDIS } from '../../redis/redis.module';
import { MessagesModule } from './messages.module';
import { MessageDeliveryService } from './send/message-delivery.service';
import { OutboundMessagesProcessor, OutboundMessagesScheduler } from './send/outbound-messages.processor';
import { SendPacingService } from './send/send-pacing.service';
import { PostgresSendSlots, RedisSendSlots, SEND_SLOTS } from './send/send-slots';

/** Delivery of outbound messages; registered only where workers run. */
@Module({
  imports: [MessagesModule],
  providers: [
    MessageDeliveryService,
    OutboundMessagesProcessor,
    OutboundMessagesScheduler,
    SendPacingService,
    {
      provide: SEND_SLOTS,
      inject: [APP_CONFIG, REDIS, getDataSourceToken()],
      useFactory: (config: AppConfig, redis: Redis | null, dataSource: DataSource) =>
        redis && config.redis ? new RedisSendSlots(redis, config.redis.keyPrefix) : new PostgresSendSlots(dataSource),
    },
  ],
})
export class MessagesWorkerModule {}
