import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { startEmbeddedPostgres } from './embedded-postgres';
import { runMigrations } from './run-migrations';

export interface PreparedDatabase {
  url: string;
  /** Stops the embedded server when this process started one. */
  release(): Promise<void>;
}

/**
 * Resolves the database (configured, or embedded when DATABASE_URL is unset) and, unless disabled,
 * applies migrations before anything else touches it.
 */
export async function prepareDatabase(config: AppConfig): Promise<PreparedDatabase> {
  const embedded = config.database.url
    ? undefined
    : await startEmbeddedPostgres(config.dataDir, config.database.embeddedPort);
  const url = config.database.url ?? embedded!.url;
  try {
    if (config.database.runMigrationsAtStart) {
      await migrate(url);
    }
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return { url, release: async () => embedded?.stop() };
}

export async function migrate(url: string): Promise<string[]> {
  const dataSource = new DataSource({ ...dataSourceOptions(url, 2) });
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource);
    if (applied.length > 0) {
      new Logger('Migrations').log(`Applied ${applied.map((m) => m.name).join(', ')}`);
    }
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
