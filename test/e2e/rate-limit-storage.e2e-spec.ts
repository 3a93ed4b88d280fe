import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { leaseSize, RedisThrottlerStorage } from '../../src/common/rate-limit/redis-throttler.storage';
import { currentTestRun } from '../setup/test-environment';

/** The shared rate-limit counter as two replicas see it: each on its own connection, one Redis. */
describe('Rate-limit budgets shared through Redis', () => {
  let redis: [Redis, Redis];
  let commands = 0;
  const prefix = `${currentTestRun().redisPrefix}_ratelimit_${randomUUID()}`;

  beforeAll(() => {
    redis = [new Redis(currentTestRun().redisUrl), new Redis(currentTestRun().redisUrl)];
    for (const client of redis) {
      const send = client.sendCommand.bind(client);
      client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
        commands += 1;
        return send(...args);
      }) as Redis['sendCommand'];
    }
  });
  afterAll(() => Promise.all(redis.map((client) => client.quit())));

  it('keeps a small budget exact, one hit per round trip', async () => {
    const replicas = redis.map((client) => new RedisThrottlerStorage(client, prefix));
    const key = `key:${randomUUID()}`;
    const blocked: boolean[] = [];
    for (let hit = 0; hit < 5; hit += 1) {
      blocked.push((await replicas[hit % 2].increment(key, 60_000, 3)).isBlocked);
    }
    expect(blocked).toEqual([false, false, false, true, true]);
  });

  it('lets two replicas spend a busy budget together, with a round trip per lease, never above it', async () => {
    const replicas = redis.map((client) => new RedisThrottlerStorage(client, prefix));
    const key = `key:${randomUUID()}`;
    const limit = 1_000;
    commands = 0;
    // Concurrent requests on both replicas, 1,500 in all.
    const records = await Promise.all(
      Array.from({ length: 1_500 }, (_, index) => replicas[index % 2].increment(key, 60_000, limit)),
    );
    const allowed = records.filter((record) => !record.isBlocked);
    // Each replica may hold a lease it has not handed out when the budget runs out.
    expect(allowed.length).toBeLessThanOrEqual(limit);
    expect(allowed.length).toBeGreaterThanOrEqual(limit - 2 * leaseSize(limit));
    expect(Math.max(...allowed.map((record) => record.totalHits))).toBeLessThanOrEqual(limit);
    // Once a replica learns the budget is spent, it refuses without asking Redis again.
    expect(commands).toBeLessThanOrEqual(Math.ceil(limit / leaseSize(limit)) + 4);
    expect(records.filter((record) => record.isBlocked).every((record) => record.timeToBlockExpire > 0)).toBe(true);
  });
});
