import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * A raw row (snake_case columns, as `RETURNING *` gives them, already typed by pg) as the entity
 * TypeORM would have loaded: spares reading back a row a statement just wrote. Columns the entity
 * does not have are ignored.
 */
export function entityFromRow<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  row: Record<string, unknown>,
): T {
  const metadata = manager.connection.getMetadata(target);
  const entity = metadata.create() as Record<string, unknown>;
  for (const column of metadata.columns) {
    if (column.databaseName in row) {
      entity[column.propertyName] = row[column.databaseName];
    }
  }
  return entity as T;
}

/**
 * The entity's columns, for a SELECT or RETURNING list: a prepared statement must name them, since
 * `*` fixes its result to the table as it was when prepared (a migration adding a column would then
 * fail every later run on that connection).
 */
export function columnsOf(manager: EntityManager, target: EntityTarget<ObjectLiteral>, alias: string): string {
  return manager.connection
    .getMetadata(target)
    .columns.map((column) => `${alias}.${column.databaseName}`)
    .join(', ');
}
