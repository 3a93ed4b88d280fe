import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type Redis from 'ioredis';
import { LuaScript } from '../../redis/lua-script';

/**
 * Fixed-window counter shared by every replica. One round trip takes `ARGV[2]` hits: the script
 * adds them to the window's counter, starts its expiry on the first hit, and reports the counter
 * and the time left.
 */
const TAKE = new LuaScript(`
local hits = redis.call('INCRBY', KEYS[1], ARGV[2])
if hits == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { hits, ttl }
`);

/** Hits a process takes from Redis at once: a fiftieth of the budget, 1 to 100. */
export const leaseSize = (limit: number) => Math.max(1, Math.min(100, Math.floor(limit / 50)));

/** Hits of the current window this process took from Redis and has not handed out yet. */
interface Lease {
  /** The window's hit number the next request here gets. */
  next: number;
  /** The last hit number taken. */
  last: number;
  expiresAt: number;
}

/**
 * Per-credential budgets shared by every replica, without a Redis round trip per request: each
 * process takes a window's hits in leases (`leaseSize`) and hands them out itself, so a limit of 3
 * is still exact while a busy key costs one round trip per 100 requests. Hits a process leased and
 * did not use before the window ends are spent: with R replicas, a key may be limited up to
 * R × lease hits early. Once a lease shows the window's budget spent, this process refuses the key
 * until the window ends without asking Redis again.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly leases = new Map<string, Lease>();
  private readonly taking = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    for (;;) {
      const lease = this.leases.get(key);
      if (lease && lease.expiresAt > Date.now() && (lease.next <= lease.last || lease.last > limit)) {
        const hit = lease.next++;
        return recordOf(hit, limit, lease.expiresAt);
      }
      let taking = this.taking.get(key);
      if (!taking) {
        taking = this.take(key, ttl, leaseSize(limit)).finally(() => this.taking.delete(key));
        this.taking.set(key, taking);
      }
      await taking;
    }
  }

  private async take(key: string, ttl: number, size: number): Promise<void> {
    const [hits, ttlMs] = (await TAKE.run(this.redis, [`${this.prefix}:ratelimit:${key}`], [ttl, size])) as [
      number,
      number,
    ];
    if (this.leases.size > 10_000) {
      const now = Date.now();
      for (const [leased, lease] of this.leases) {
        if (lease.expiresAt <= now) {
          this.leases.delete(leased);
        }
      }
    }
    this.leases.set(key, { next: hits - size + 1, last: hits, expiresAt: Date.now() + ttlMs });
  }
}

function recordOf(hit: number, limit: number, expiresAt: number): ThrottlerStorageRecord {
  const secondsLeft = Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000));
  const isBlocked = hit > limit;
  return { totalHits: hit, timeToExpire: secondsLeft, isBlocked, timeToBlockExpire: isBlocked ? secondsLeft : 0 };
}
