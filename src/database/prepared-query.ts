import type { EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a statement of the sending and ingestion hot paths as a named prepared statement: each
 * connection parses and plans it once, not on every call (parsing and planning were about two
 * thirds of those statements' time in PostgreSQL). `name` must always go with the same `text`.
 * In a transaction, pass its manager; answers the rows (RETURNING rows for writes).
 */
export async function preparedQuery<T>(
  manager: EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const runner = manager.queryRunner as PostgresQueryRunner | undefined;
  const target: PgQueryable =
    runner && !runner.isReleased
      ? ((await runner.connect()) as PgQueryable)
      : ((manager.connection.driver as PostgresDriver).master as PgQueryable);
  const result = await target.query({ name, text, values });
  return result.rows as T[];
}
