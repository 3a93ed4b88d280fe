import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { currentTestRun } from '../setup/test-environment';
import { assertBuilt, cleanEnv, CLI_JS, freePort, MAIN_JS, runProcess, startProcess } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';

/** The built service and CLI, run as an operator would: separate processes, real signals. */
describe('service and CLI processes', () => {
  beforeAll(() => assertBuilt());

  it('refuses to start on a malformed variable with one line naming it', async () => {
    const result = await runProcess(MAIN_JS, [], cleanEnv({ PORT: 'eighty', REDIS_URL: 'http://nope' }));
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: .*PORT.*REDIS_URL must be a redis:\/\//);
  });

  describe('create-admin', () => {
    const env = () => cleanEnv({ DATABASE_URL: currentTestRun().databaseUrl });

    it('creates a platform admin and prints a PAT as its last line; a second run issues one only with --new-token', async () => {
      const email = `ops-${Date.now()}@example.test`;
      const first = await runProcess(CLI_JS, ['create-admin', '--email', email], env());
      expect(first.code).toBe(0);
      const firstToken = first.stdout.trim().split('\n').pop();
      expect(firstToken).toMatch(/^owb_pat_[A-Za-z0-9_-]{43}$/);

      const again = await runProcess(CLI_JS, ['create-admin', '--email', email.toUpperCase()], env());
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/already exists/);
      expect(again.stdout).not.toMatch(/owb_pat_/);

      const renewed = await runProcess(CLI_JS, ['create-admin', '--email', email, '--new-token'], env());
      const secondToken = renewed.stdout.trim().split('\n').pop();
      expect(secondToken).toMatch(/^owb_pat_/);
      expect(secondToken).not.toBe(firstToken);
    });

    it('rejects a missing or invalid email with usage help and exit code 1', async () => {
      const result = await runProcess(CLI_JS, ['create-admin', '--email', 'not-an-email'], env());
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/create-admin needs --email/);
      expect(result.stderr).toMatch(/Usage:/);
    });
  });

  it('runs with no DATABASE_URL and no REDIS_URL on embedded PostgreSQL, then shuts down cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'owb-embedded-'));
    // PostgreSQL runs as its own system user when we are root; it must be able to enter the folder.
    chmodSync(dataDir, 0o755);
    const [port, pgPort] = [await freePort(), await freePort()];
    const env = cleanEnv({ DATA_DIR: dataDir, PORT: String(port), EMBEDDED_POSTGRES_PORT: String(pgPort) });
    const service = startProcess(MAIN_JS, [], env);
    try {
      const base = `http://127.0.0.1:${port}`;
      const ready = await waitFor(
        'the embedded service to be ready',
        async () => {
          const response = await fetch(`${base}/health/ready`).catch(() => undefined);
          return response?.ok ? ((await response.json()) as { data: { queueBackend: string } }) : undefined;
        },
        60_000,
      );
      expect(ready.data.queueBackend).toBe('postgres');
      expect(service.output()).toMatch(/DATABASE_URL is not set: using embedded PostgreSQL/);

      // The CLI shares the running embedded server.
      const admin = await runProcess(CLI_JS, ['create-admin', '--email', 'embedded@example.test'], env);
      expect(admin.code).toBe(0);
      const pat = admin.stdout.trim().split('\n').pop()!;

      const org = await fetch(`${base}/v1/organizations`, {
        method: 'POST',
        headers: { 'X-API-Token': pat, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Embedded' }),
      });
      expect(org.status).toBe(201);
      // One JSON line per request, with its id and outcome, and never its credentials.
      const requestId = org.headers.get('x-request-id');
      const logged = await waitFor('the request to be logged', async () =>
        service
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { msg?: string; req?: { id: string } })
          .find((line) => line.msg === 'request completed' && line.req?.id === requestId),
      );
      expect(logged).toMatchObject({
        level: 30,
        req: { id: requestId, method: 'POST', url: '/v1/organizations' },
        res: { statusCode: 201 },
        responseTime: expect.any(Number),
      });
      expect(service.output()).not.toContain(pat);

      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      const probe = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/openwaba` });
      await expect(probe.connect()).rejects.toThrow();
    } finally {
      service.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('runs workers only with APP_ROLE=worker, serving no HTTP', async () => {
    const port = await freePort();
    const run = currentTestRun();
    const worker = startProcess(
      MAIN_JS,
      [],
      cleanEnv({ APP_ROLE: 'worker', PORT: String(port), DATABASE_URL: run.databaseUrl, REDIS_URL: run.redisUrl }),
    );
    try {
      await waitFor(
        'the worker to start',
        async () => (/Worker started/.test(worker.output()) ? true : undefined),
        30_000,
      );
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });

  it("runs the README's curl walk-through and test-mode steps verbatim", async () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const walkthrough = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```/.exec(readme)?.[1];
    const testMode = /<!-- test-mode:start -->\s*```bash\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(walkthrough).toMatch(/^BASE=http:\/\/localhost:3000$/m);
    expect(testMode).toContain('/v1/sandbox/inbound');

    const port = await freePort();
    const testRun = currentTestRun();
    const env = cleanEnv({ PORT: String(port), DATABASE_URL: testRun.databaseUrl, REDIS_URL: testRun.redisUrl });
    const service = startProcess(MAIN_JS, [], env);
    try {
      await waitFor('the service to listen', async () =>
        (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok ? true : undefined,
      );
      // Only the base URL differs: this run's service listens on a free port instead of 3000.
      const run = (script: string) =>
        spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
          cwd: join(__dirname, '..', '..'),
          env,
          encoding: 'utf8',
        });
      const base = `BASE=http://127.0.0.1:${port}`;
      const first = run(walkthrough!.replace(/^BASE=.*$/m, base));
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({
        data: { organization: { name: 'Acme Support' }, apiKey: { name: 'Quickstart', mode: 'test' } },
      });

      const second = run(
        `${walkthrough!.replace(/^BASE=.*$/m, base).replace('admin@example.com', 'second@example.com')}\n${testMode}`,
      );
      expect(second.stderr).toBe('');
      expect(second.status).toBe(0);
      expect(second.stdout).toContain('"isSandbox":true');
      expect(second.stdout).toContain('"canSendTemplates":true');
      expect(second.stdout).toMatch(/"messageId":"wamid\./);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
