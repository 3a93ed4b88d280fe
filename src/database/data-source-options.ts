import { DataSourceOptions } from 'typeorm';
import { ENTITIES, MIGRATIONS } from './entities';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** The one definition of how we talk to PostgreSQL, shared by the app, the CLI and tests. */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    namingStrategy: new SnakeNamingStrategy(),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolSize, application_name: 'openwaba' },
  };
}
