/**
 * Where the test run's real services are. Each run gets its own database and Redis key prefix,
 * created by global-setup.ts and removed by global-teardown.ts.
 */
export const TEST_POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fixed secrets for the services under test (never used outside tests). */
export const TEST_SECRETS = {
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  META_APP_SECRET: 'test-app-secret',
  META_WEBHOOK_VERIFY_TOKEN: 'test-verify-token',
};

export function databaseUrlFor(database: string): string {
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestRun {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
}

/** Set by global-setup in the parent process; jest workers inherit the environment. */
export function currentTestRun(): TestRun {
  const databaseUrl = process.env.OWB_TEST_DATABASE_URL;
  const redisPrefix = process.env.OWB_TEST_REDIS_PREFIX;
  if (!databaseUrl || !redisPrefix) {
    throw new Error('The e2e global setup did not run (OWB_TEST_DATABASE_URL is unset)');
  }
  return { databaseUrl, redisUrl: TEST_REDIS_URL, redisPrefix };
}
