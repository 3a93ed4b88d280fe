import { DataSource, Migration } from 'typeorm';

// Any constant works; it only has to be the same for every replica.
const MIGRATION_LOCK_KEY = 4_242_001;

/**
 * Applies pending migrations under a session advisory lock, so replicas starting together
 * run them exactly once; the others wait, then find nothing to do.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const lockSession = dataSource.createQueryRunner();
  await lockSession.connect();
  try {
    await lockSession.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await lockSession.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lockSession.release();
  }
}
