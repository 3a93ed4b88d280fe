import { DynamicModule, Module, ModuleMetadata, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { AuthenticationGuard } from './auth/authentication.guard';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { validationExceptionFactory } from './common/errors/validation-errors';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { RateLimitGuard } from './common/rate-limit/rate-limit.guard';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { MetricsModule } from './common/metrics/metrics.module';
import { ContactsModule } from './modules/contacts/contacts.module';
import { ConversationsModule } from './modules/conversations/conversations.module';
import { EventsModule } from './modules/events/events.module';
import { HealthModule } from './modules/health/health.module';
import { OutgoingWebhooksModule } from './modules/outgoing-webhooks/outgoing-webhooks.module';
import { TemplatesModule } from './modules/templates/templates.module';
import { MediaModule } from './modules/media/media.module';
import { MessagesModule } from './modules/messages/messages.module';
import { MetaModule } from './modules/meta/meta.module';
import { MetaWebhooksModule } from './modules/meta-webhooks/meta-webhooks.module';
import { PhoneNumbersModule } from './modules/phone-numbers/phone-numbers.module';
import { SandboxModule } from './modules/sandbox/sandbox.module';
import { WabasModule } from './modules/wabas/wabas.module';
import { OrganizationsModule } from './modules/organizations/organizations.module';
import { QueueModule } from './queue/queue.module';
import { RedisModule } from './redis/redis.module';
import { WorkerModule } from './worker.module';

export interface AppModuleOptions {
  config: AppConfig;
  databaseUrl: string;
  /** false: build routes and metadata only, touching no database or Redis (OpenAPI generation). */
  connect?: boolean;
  /** Extra modules (tests add probe controllers and processors). */
  extraImports?: ModuleMetadata['imports'];
}

@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, connect = true, extraImports = [] }: AppModuleOptions): DynamicModule {
    const runsWorkers = connect && config.role !== 'api';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: config.database.poolSize, connect }),
        RedisModule.forRoot(config.redis?.url, { connect }),
        QueueModule.forRoot({ redis: config.redis, databaseUrl, connect }),
        RateLimitModule,
        IdempotencyModule,
        MetricsModule,
        MetaModule.forRoot({ connect }),
        AuthModule,
        OrganizationsModule,
        WabasModule,
        PhoneNumbersModule,
        SandboxModule,
        ConversationsModule,
        ContactsModule,
        MediaModule,
        MessagesModule,
        EventsModule,
        OutgoingWebhooksModule,
        TemplatesModule,
        MetaWebhooksModule,
        HealthModule,
        ...(runsWorkers ? [WorkerModule] : []),
        ...extraImports,
      ],
      providers: [
        // Guards run in this order: who is calling, then whether they are over their budget.
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            transform: true,
            whitelist: true,
            forbidNonWhitelisted: true,
            forbidUnknownValues: true,
            exceptionFactory: validationExceptionFactory,
          }),
        },
      ],
    };
  }
}
