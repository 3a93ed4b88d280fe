import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type Redis from 'ioredis';
import { LuaScript } from '../../redis/lua-script';

/**
 * Fixed-window counter shared by every replica. One round trip: the script increments the
 * window's counter, starts its expiry on the first hit, and reports hits and time left.
 */
const INCREMENT = new LuaScript(`
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { hits, ttl }
`);

export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const [totalHits, ttlMs] = (await INCREMENT.run(this.redis, [`${this.prefix}:ratelimit:${key}`], [ttl])) as [
      number,
      number,
    ];
    const secondsLeft = Math.max(1, Math.ceil(ttlMs / 1000));
    const isBlocked = totalHits > limit;
    return { totalHits, timeToExpire: secondsLeft, isBlocked, timeToBlockExpire: isBlocked ? secondsLeft : 0 };
  }
}
