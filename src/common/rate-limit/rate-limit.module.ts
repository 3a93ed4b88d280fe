import { Module } from '@nestjs/common';
import { ThrottlerModule, ThrottlerStorageService } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { REDIS } from '../../redis/redis.module';
import { limitFor } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * With Redis, counters are shared by all replicas; without it (single-node embedded setup)
 * they live in this process.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis | null) => ({
        throttlers: [
          {
            name: 'default',
            ttl: 60_000,
            limit: (context) => limitFor(context, config.rateLimit.defaultPerMinute),
          },
        ],
        storage:
          redis && config.redis
            ? new RedisThrottlerStorage(redis, config.redis.keyPrefix)
            : new ThrottlerStorageService(),
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}
