import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ConnectionOptions, createPostgresBackend, setDefaultBackendFactory } from 'bullmq';
import { DEFAULT_JOB_OPTIONS } from './job-options';
import { ALL_QUEUES } from './queue-names';

export interface QueueModuleOptions {
  /** With Redis: the production and scale-out setup. */
  redis?: { url: string; keyPrefix: string };
  /** Without Redis, queues live in this PostgreSQL database (BullMQ's PostgreSQL backend). */
  databaseUrl: string;
  /** Register inert queue tokens without connecting (used to generate the OpenAPI document). */
  connect: boolean;
}

export type QueueBackendKind = 'redis' | 'postgres';
export const QUEUE_BACKEND = Symbol('QUEUE_BACKEND');

/**
 * The only place that knows which datastore backs BullMQ. Everything else injects queues with
 * `@InjectQueue(QueueName.X)` and writes processors with `@Processor(QueueName.X)`.
 */
@Global()
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions): DynamicModule {
    const backend: QueueBackendKind = options.redis ? 'redis' : 'postgres';
    const backendProvider: Provider = { provide: QUEUE_BACKEND, useValue: backend };

    if (!options.connect) {
      const inertQueues = ALL_QUEUES.map((name) => ({ provide: getQueueToken(name), useValue: null }));
      return {
        module: QueueModule,
        providers: [backendProvider, ...inertQueues],
        exports: [backendProvider, ...inertQueues],
      };
    }

    // BullMQ picks the datastore process-wide; one process serves one backend.
    setDefaultBackendFactory(options.redis ? undefined : createPostgresBackend);
    // The PostgreSQL backend takes a pg pool config where Redis takes its options; BullMQ's typing only knows Redis.
    const connection = options.redis
      ? { url: options.redis.url }
      : ({ connectionString: options.databaseUrl, migrate: true, max: 4 } as unknown as ConnectionOptions);

    const bull = BullModule.forRoot({
      connection,
      prefix: options.redis?.keyPrefix,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    });
    const queues = BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name })));
    return {
      module: QueueModule,
      imports: [bull, queues],
      providers: [backendProvider],
      exports: [backendProvider, queues],
    };
  }
}
