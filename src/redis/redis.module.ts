import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { redisOptionsFromUrl } from './redis-options';

/** The shared Redis client, or null when REDIS_URL is unset (single-node setup without Redis). */
export const REDIS = Symbol('REDIS');

class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

@Global()
@Module({})
export class RedisModule {
  static forRoot(url: string | undefined, options: { connect: boolean }): DynamicModule {
    const client = url ? new Redis({ ...redisOptionsFromUrl(url), lazyConnect: !options.connect }) : null;
    return {
      module: RedisModule,
      providers: [{ provide: REDIS, useValue: client }, RedisCloser],
      exports: [REDIS],
    };
  }
}
