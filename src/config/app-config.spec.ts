import { ConfigValidationError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      role: 'all',
      http: { port: 3000, host: '0.0.0.0', bodyLimitBytes: 3_145_728 },
      database: { url: undefined, runMigrationsAtStart: true, embeddedPort: 54329 },
      redis: undefined,
      rateLimit: { defaultPerMinute: 600 },
      idempotency: { ttlHours: 24 },
    });
    expect(config.dataDir).toMatch(/\.data$/);
  });

  it('reads and converts every kind of value', () => {
    const config = loadConfig({
      APP_ROLE: 'worker',
      PORT: '8080',
      DATABASE_URL: 'postgresql://u:p@db:5432/owb',
      ENCRYPTION_KEY: 'ab'.repeat(32),
      DATABASE_RUN_MIGRATIONS: 'false',
      REDIS_URL: 'rediss://cache:6380/2',
      REDIS_KEY_PREFIX: 'tenant-a',
    });
    expect(config.role).toBe('worker');
    expect(config.http.port).toBe(8080);
    expect(config.database).toMatchObject({ url: 'postgresql://u:p@db:5432/owb', runMigrationsAtStart: false });
    expect(config.redis).toEqual({ url: 'rediss://cache:6380/2', keyPrefix: 'tenant-a' });
  });

  it('reads how sends are retried and rescheduled under rate limits', () => {
    expect(loadConfig({}).sending).toEqual({
      maxAttempts: 5,
      retryDelayMs: 1000,
      rateLimitBackoffMs: 1000,
      rateLimitMaxWaitMs: 4 * 60 * 60_000,
    });
    expect(
      loadConfig({ SEND_RATE_LIMIT_BACKOFF_MS: '250', SEND_RATE_LIMIT_MAX_WAIT_MS: '600000' }).sending,
    ).toMatchObject({ rateLimitBackoffMs: 250, rateLimitMaxWaitMs: 600_000 });
    expect(() => loadConfig({ SEND_RATE_LIMIT_MAX_WAIT_MS: '10' })).toThrow(
      /SEND_RATE_LIMIT_MAX_WAIT_MS must not be less than 1000/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ REDIS_URL: '', PORT: '' }).redis).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT must be an integer number \(got "eighty"\)$/],
    [{ PORT: '70000' }, /PORT must not be greater than 65535/],
    [{ APP_ROLE: 'web' }, /APP_ROLE must be one of the following values: all, api, worker/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
    [{ DATABASE_RUN_MIGRATIONS: 'maybe' }, /DATABASE_RUN_MIGRATIONS must be a boolean value/],
  ])('fails fast with one line naming the variable: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigValidationError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('names every invalid variable in the one line', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(/PORT .*; LOG_LEVEL /);
  });

  it('requires ENCRYPTION_KEY with an external database, and META_APP_SECRET in production', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/owb' })).toThrow(
      /ENCRYPTION_KEY is required when DATABASE_URL is set/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /META_APP_SECRET is required when NODE_ENV=production/,
    );
    expect(loadConfig({ ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') }).encryptionKey).toEqual(
      Buffer.alloc(32, 1),
    );
  });

  it('needs the bucket and its credentials for MEDIA_STORAGE=s3', () => {
    expect(loadConfig({}).mediaStorage).toBe('local');
    expect(() => loadConfig({ MEDIA_STORAGE: 's3', S3_BUCKET: 'media' })).toThrow(
      /S3_ENDPOINT is required when MEDIA_STORAGE=s3; S3_ACCESS_KEY_ID is required .*; S3_SECRET_ACCESS_KEY is required/,
    );
    const config = loadConfig({
      MEDIA_STORAGE: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'media',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
    });
    expect(config.s3).toEqual({
      endpoint: 'http://minio:9000',
      bucket: 'media',
      region: 'us-east-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
    });
  });

  it('rejects an encryption key that is not 32 bytes', () => {
    expect(() => loadConfig({ ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/ENCRYPTION_KEY must be 32 bytes/);
  });
});
