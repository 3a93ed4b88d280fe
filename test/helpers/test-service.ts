import { ModuleMetadata } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import createClient, { Client } from 'openapi-fetch';
import { loadConfig } from '../../src/config/app-config';
import { RunningService, startService } from '../../src/service';
import type { paths } from '../client/schema';
import { currentTestRun, TEST_SECRETS } from '../setup/test-environment';

export type ApiClient = Client<paths>;

export interface TestService extends RunningService {
  url: string;
  /** Typed from openapi.yaml: a route or field the spec gets wrong fails to compile or to pass. */
  api: ApiClient;
}

/**
 * Boots the real service (HTTP on an ephemeral port, workers, PostgreSQL, Redis) for a suite.
 * `env` overrides variables; an empty string unsets one (e.g. `REDIS_URL: ''` for the PostgreSQL queue backend).
 */
export async function startTestService(
  env: Record<string, string> = {},
  extraImports: ModuleMetadata['imports'] = [],
): Promise<TestService> {
  const run = currentTestRun();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: run.databaseUrl,
    DATABASE_RUN_MIGRATIONS: 'false',
    REDIS_URL: run.redisUrl,
    // Each service its own queues: services with different settings never run each other's jobs.
    REDIS_KEY_PREFIX: `${run.redisPrefix}_${randomBytes(4).toString('hex')}`,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SANDBOX_STATUS_DELAY_MS: '0',
    ...TEST_SECRETS,
    ...env,
  });
  const service = await startService(config, { extraImports });
  if (!service.url) {
    throw new Error('startTestService needs an HTTP role (all or api)');
  }
  return { ...service, url: service.url, api: createClient<paths>({ baseUrl: service.url }) };
}
