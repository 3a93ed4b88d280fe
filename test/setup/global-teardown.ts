import Redis from 'ioredis';
import { Client } from 'pg';
import { TEST_POSTGRES_ADMIN_URL, TEST_REDIS_URL } from './test-environment';

export default async function globalTeardown(): Promise<void> {
  const database = process.env.OWB_TEST_DATABASE;
  const prefix = process.env.OWB_TEST_REDIS_PREFIX;
  // OWB_TEST_KEEP_DATABASE=1 leaves the run's database behind, to look into what a run wrote.
  if (database && !process.env.OWB_TEST_KEEP_DATABASE) {
    const admin = new Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      // With the databases suites made of their own (test/helpers/own-database.ts).
      const { rows } = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $1 || '\\_%'`,
        [database],
      );
      for (const { datname } of rows) {
        await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      }
    } finally {
      await admin.end();
    }
  }
  if (prefix) {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) {
          await redis.del(...keys);
        }
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
