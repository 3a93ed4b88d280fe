import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../../src/database/prepare-database';
import { databaseUrlFor, TEST_POSTGRES_ADMIN_URL } from '../setup/test-environment';

/**
 * A migrated database of a suite's own, for services whose sweeps (the reconciler, queues on the
 * PostgreSQL backend) must not reach other suites' rows. Named after the run's database, so the
 * global teardown drops it should the suite not get to.
 */
export async function ownDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const database = `${process.env.OWB_TEST_DATABASE}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${database}`);
  const url = databaseUrlFor(database);
  await migrate(url);
  return { url, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
