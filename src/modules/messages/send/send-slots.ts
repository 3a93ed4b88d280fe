import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { LuaScript } from '../../../redis/lua-script';

/**
 * Hands out send slots per phone number, shared by every worker and replica: each call reserves
 * the phone's next `count` slots, `1000 / perSecond` ms apart and after the previous ones, and
 * answers how many ms from now the first is. A phone thus sends at its Meta throughput however
 * many workers serve it.
 *
 * Slots missed by up to `CATCH_UP_INTERVALS` (a job that came back a few ms late, a busy event
 * loop) are still handed out, so such lateness is made up instead of lost for good; any one
 * second's slots then hold at most that many above the rate (84 at 80/s).
 */
export interface SendSlots {
  reserve(phoneNumberId: string, perSecond: number, count: number): Promise<number>;
  /**
   * Pushes the phone's slots not yet handed out back by `ms` (Meta said it is sending too fast):
   * the next one is `ms` after the later of now and the last one handed out.
   */
  pause(phoneNumberId: string, ms: number): Promise<void>;
}

export const SEND_SLOTS = Symbol('SEND_SLOTS');

export const CATCH_UP_INTERVALS = 4;

/**
 * A job waits in place for a slot at most this many of its phone's send intervals away (200 ms at
 * 80/s, 16 ms at 1,000/s), so a phone holds about this many worker slots at once. A later slot
 * sends the job away until shortly before it: delayed jobs can come back late on a busy worker,
 * and one that comes back early simply waits the rest in place.
 */
export const INTERVALS_IN_PLACE = 16;

// The clock is Redis's, so replicas with skewed clocks still space their sends correctly.
const RESERVE = new LuaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local interval = tonumber(ARGV[1])
local slot = math.max(now - interval * tonumber(ARGV[2]), tonumber(redis.call('GET', KEYS[1]) or '0'))
local after = slot + interval * tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 60000)
return math.max(0, math.ceil(slot - now))
`);

const PAUSE = new LuaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local after = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0')) + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 60000)
return 0
`);

export class RedisSendSlots implements SendSlots {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async reserve(phoneNumberId: string, perSecond: number, count: number): Promise<number> {
    return (await RESERVE.run(
      this.redis,
      [this.keyOf(phoneNumberId)],
      [1000 / perSecond, CATCH_UP_INTERVALS, count],
    )) as number;
  }

  async pause(phoneNumberId: string, ms: number): Promise<void> {
    await PAUSE.run(this.redis, [this.keyOf(phoneNumberId)], [ms]);
  }

  private keyOf(phoneNumberId: string): string {
    return `${this.prefix}:send-slot:${phoneNumberId}`;
  }
}

/** The same with the queue on PostgreSQL: one row per phone holds its next free slot. */
export class PostgresSendSlots implements SendSlots {
  constructor(private readonly dataSource: DataSource) {}

  async reserve(phoneNumberId: string, perSecond: number, count: number): Promise<number> {
    const [row] = (await this.dataSource.query(
      `INSERT INTO phone_send_slots AS slots (phone_number_id, next_slot_at)
       VALUES ($1, clock_timestamp() + $4::float8 * $2::float8 * interval '1 millisecond')
       ON CONFLICT (phone_number_id) DO UPDATE
         SET next_slot_at = greatest(slots.next_slot_at, clock_timestamp() - $3::float8 * $2::float8 * interval '1 millisecond')
                            + $4::float8 * $2::float8 * interval '1 millisecond'
       RETURNING extract(epoch FROM (next_slot_at - clock_timestamp())) * 1000 - $4::float8 * $2::float8 AS wait_ms`,
      [phoneNumberId, 1000 / perSecond, CATCH_UP_INTERVALS, count],
    )) as { wait_ms: number }[];
    return Math.max(0, Math.ceil(Number(row.wait_ms)));
  }

  async pause(phoneNumberId: string, ms: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO phone_send_slots AS slots (phone_number_id, next_slot_at)
       VALUES ($1, clock_timestamp() + $2::float8 * interval '1 millisecond')
       ON CONFLICT (phone_number_id) DO UPDATE
         SET next_slot_at = greatest(slots.next_slot_at, clock_timestamp()) + $2::float8 * interval '1 millisecond'`,
      [phoneNumberId, ms],
    );
  }
}
