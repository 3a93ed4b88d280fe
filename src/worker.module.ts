import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HousekeepingModule } from './modules/housekeeping/housekeeping.module';
import { MessagesWorkerModule } from './modules/messages/messages-worker.module';
import { MediaWorkerModule } from './modules/media/media-worker.module';
import { OutgoingWebhooksWorkerModule } from './modules/outgoing-webhooks/outgoing-webhooks-worker.module';
import { MetaWebhooksWorkerModule } from './modules/meta-webhooks/meta-webhooks-worker.module';
import { PhoneNumbersWorkerModule } from './modules/phone-numbers/phone-numbers-worker.module';
import { WorkerDrain } from './queue/worker-drain';

/**
 * Every BullMQ processor, and nothing else. Imported only by processes that run workers
 * (APP_ROLE=all|worker), so an `api` process never consumes jobs.
 */
@Module({
  imports: [
    DiscoveryModule,
    HousekeepingModule,
    PhoneNumbersWorkerModule,
    MetaWebhooksWorkerModule,
    MediaWorkerModule,
    OutgoingWebhooksWorkerModule,
    MessagesWorkerModule,
  ],
  providers: [WorkerDrain],
})
export class WorkerModule {}
