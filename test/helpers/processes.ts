import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { currentTestRun, TEST_SECRETS } from '../setup/test-environment';

const ROOT = join(__dirname, '..', '..');
export const MAIN_JS = join(ROOT, 'dist', 'src', 'main.js');
export const CLI_JS = join(ROOT, 'dist', 'src', 'cli', 'main.js');
/** The built Graph API sandbox library, for processes that play Meta. */
export const SANDBOX_JS = join(ROOT, 'dist', 'libs', 'meta-sandbox', 'src', 'index.js');

export function assertBuilt(): void {
  if (!existsSync(MAIN_JS) || !existsSync(CLI_JS)) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  }
}

/**
 * The environment of a fresh shell: none of this run's service variables leak into the child.
 * With a DATABASE_URL, the test secrets come along (the service requires ENCRYPTION_KEY then).
 */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^(DATABASE_|REDIS_|APP_ROLE|PORT|HOST|DATA_DIR|EMBEDDED_POSTGRES|LOG_LEVEL|OWB_|META_|ENCRYPTION_KEY|PUBLIC_URL|SANDBOX_)/.test(
          key,
        ),
    ),
  );
  return { ...base, ...(env.DATABASE_URL ? TEST_SECRETS : {}), ...env };
}

/**
 * A service process on this test run's database (migrated already) and Redis, logging errors only;
 * `env` adds to or overrides that.
 */
export function serviceEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const run = currentTestRun();
  return cleanEnv({
    DATABASE_URL: run.databaseUrl,
    DATABASE_RUN_MIGRATIONS: 'false',
    REDIS_URL: run.redisUrl,
    REDIS_KEY_PREFIX: run.redisPrefix,
    LOG_LEVEL: 'error',
    ...env,
  });
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export function startProcess(script: string, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Runs a command to completion: its exit code and everything it printed. */
export async function runProcess(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
