import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { PersonalAccessTokensService } from '../auth/personal-access-tokens/personal-access-tokens.service';
import { buildOpenApiDocument } from '../common/openapi/build-openapi-document';
import { AppConfig, ConfigValidationError, loadConfig } from '../config/app-config';
import { migrate, prepareDatabase } from '../database/prepare-database';
import { UsersService } from '../modules/users/users.service';
import { createHttpApp } from '../service';
import { CliModule } from './cli.module';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  create-admin --email <email> [--new-token]   Create a platform admin and print a personal access token
                                               (last line). For an existing user, a new token is issued
                                               only with --new-token.
  migrate                                      Apply pending database migrations
  openapi [--out <file>] [--check <file>]      Write the OpenAPI document as YAML (stdout by default), or
                                               fail when <file> differs from what the code generates`;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function createAdmin(config: AppConfig, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, 'new-token': { type: 'boolean' } } });
  if (!values.email || !EMAIL.test(values.email)) {
    throw new UsageError('create-admin needs --email <a valid email address>');
  }
  const database = await prepareDatabase({ ...config, database: { ...config.database, runMigrationsAtStart: true } });
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(config, database.url), {
    logger: false,
  });
  try {
    const { user, created } = await context.get(UsersService).ensure(values.email, true);
    if (!created && !values['new-token']) {
      console.log(`User ${user.email} already exists (platform admin). Pass --new-token to issue another token.`);
      return;
    }
    const { token } = await context
      .get(PersonalAccessTokensService)
      .issue(user.id, created ? 'Initial token' : 'CLI token');
    console.log(created ? `Created platform admin ${user.email}.` : `Issued a new token for ${user.email}.`);
    console.log('Personal access token (shown once; use it as X-API-Token):');
    console.log(token);
  } finally {
    await context.close();
    await database.release();
  }
}

async function runMigrate(config: AppConfig): Promise<void> {
  const database = await prepareDatabase({ ...config, database: { ...config.database, runMigrationsAtStart: false } });
  try {
    const applied = await migrate(database.url);
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
  } finally {
    await database.release();
  }
}

async function openapi(config: AppConfig, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, check: { type: 'string' } } });
  // Routes and schemas only: no database or Redis is touched.
  const app = await createHttpApp({ ...config, logLevel: 'silent' }, 'postgres://localhost/openapi', {
    connect: false,
  });
  const yaml = stringify(buildOpenApiDocument(app), { lineWidth: 0 });
  await app.close();
  if (values.check) {
    if (readFileSync(values.check, 'utf8') !== yaml) {
      console.error(`${values.check} is out of date with the code: run \`npm run openapi\` and commit the result.`);
      process.exitCode = 1;
      return;
    }
    console.log(`${values.check} matches the code.`);
  } else if (values.out) {
    writeFileSync(values.out, yaml);
    console.log(`Wrote ${values.out}`);
  } else {
    process.stdout.write(yaml);
  }
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const config = { ...loadConfig(), logLevel: 'warn' as const };
  switch (command) {
    case 'create-admin':
      return createAdmin(config, args);
    case 'migrate':
      return runMigrate(config);
    case 'openapi':
      return openapi(config, args);
    default:
      throw new UsageError(command ? `Unknown command: ${command}` : 'No command given');
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
  } else if (error instanceof ConfigValidationError) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
