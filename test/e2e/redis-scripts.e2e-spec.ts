import Redis from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { LuaScript } from '../../src/redis/lua-script';
import { currentTestRun } from '../setup/test-environment';

describe('Lua scripts on Redis', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(currentTestRun().redisUrl);
  });
  afterAll(() => redis.quit());

  it('runs a script Redis does not know yet, then by its SHA alone', async () => {
    // A source no earlier run sent, so Redis answers NOSCRIPT to the first EVALSHA.
    const source = `-- ${randomUUID()}\nreturn tonumber(ARGV[1]) + redis.call('INCR', KEYS[1])`;
    const sha = createHash('sha1').update(source).digest('hex');
    const key = `${currentTestRun().redisPrefix}:lua:${randomUUID()}`;
    const script = new LuaScript(source);

    expect(await redis.script('EXISTS', sha)).toEqual([0]);
    expect(await script.run(redis, [key], [10])).toBe(11);
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
    expect(await script.run(redis, [key], [10])).toBe(12);
    await redis.del(key);
  });

  it('passes on errors other than a missing script', async () => {
    const script = new LuaScript(`return redis.error_reply('BROKEN on purpose')`);
    await expect(script.run(redis, [], [])).rejects.toThrow('BROKEN on purpose');
  });
});
