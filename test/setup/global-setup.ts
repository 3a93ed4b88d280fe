import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../../src/database/prepare-database';
import { databaseUrlFor, TEST_POSTGRES_ADMIN_URL } from './test-environment';

export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const database = `owb_test_${run}`;
  const admin = new Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = databaseUrlFor(database);
  await migrate(databaseUrl);
  process.env.OWB_TEST_DATABASE_URL = databaseUrl;
  process.env.OWB_TEST_DATABASE = database;
  process.env.OWB_TEST_REDIS_PREFIX = `owbtest_${run}`;
}
