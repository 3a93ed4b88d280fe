import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { readdirSync, readFileSync } from 'node:fs';
import createClient from 'openapi-fetch';
import { DataSource } from 'typeorm';
import { Pool } from 'undici';
import { QueueName } from '../../src/queue/queue-names';
import type { paths } from '../client/schema';
import { bearer, newTenant } from '../helpers/factories';
import {
  assertBuilt,
  cleanEnv,
  freePort,
  MAIN_JS,
  RunningProcess,
  SANDBOX_JS,
  serviceEnv,
  startProcess,
} from '../helpers/processes';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { currentTestRun, TEST_SECRETS } from '../setup/test-environment';
import { percentile, report } from './bench-report';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
/** Phones (one per test-mode tenant), each at Meta's HIGH throughput (1,000 messages/s): a 5,000/s cap. */
const PHONES = Number(process.env.BENCH_PHONES ?? 5);
/**
 * Messages per queue backend in (b): enough for a steady state (on 2 vCPUs about 10 s each), and all
 * `sent` well within the minute before `delivered` statuses start.
 */
const E2E_MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const E2E_WARMUP_PER_PHONE = 20;
/** Messages to one phone at Meta's top tier in (e): five seconds of its 1,000/s. */
const ONE_PHONE_MESSAGES = Number(process.env.BENCH_ONE_PHONE_MESSAGES ?? 5_000);
const BATCH_SIZE = 5_000;
const BATCH_REPEATS = Number(process.env.BENCH_BATCH_REPEATS ?? 5);
/** Only `sent` flows during a measure: delivered and read come one and two minutes later (60 s is the most allowed). */
const STATUS_DELAY_MS = '60000';
const SENT = `('sent', 'delivered', 'read')`;
const HELLO_WORLD = { name: 'hello_world', language: { code: 'en_US' } };
/** The service's database pool (its default, 10, unless BENCH_DATABASE_POOL_SIZE says otherwise). */
const POOL_SIZE = process.env.BENCH_DATABASE_POOL_SIZE ?? '10';

interface BenchPhone {
  key: string;
  orgId: string;
  phoneNumberId: string;
  metaPhoneNumberId: string;
}

let nextCustomer = 1_000_000;
/** Distinct customers (`+1555` and 7 digits), so the sandbox's per-pair rate limit never applies. */
const customer = () => `+1555${nextCustomer++}`;

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const benchStarted = Date.now();
/** Progress on stderr, unbuffered, so a slow step shows where it is. */
const progress = (what: string) =>
  process.stderr.write(`[outbound bench +${((Date.now() - benchStarted) / 1000).toFixed(1)} s] ${what}\n`);

/**
 * Outbound messaging, the service as deployed (its own processes, built code) and, in (a) and (b),
 * Meta played by the standalone sandbox in a process of its own, with live-mode WABAs connected to it:
 * (a) `POST /v1/messages` (hello_world to distinct customers) accepted per second and its latency,
 *     set against (d) this machine's raw ceiling: bare Fastify, one INSERT and one BullMQ job per
 *     request, same load generator and connections;
 * (b) messages per second from the first batch accept until every message is `sent` (the status
 *     webhook from the sandbox ingested), on the Redis and on the PostgreSQL queue backend;
 * (c) the wall time of accepting a 5,000-recipient batch (test-mode phones, an API-only service).
 * Nothing is asserted about time; the bench fails when an accepted message is lost (not `sent`, or
 * for (c) not queued).
 */
describe('outbound messaging', () => {
  /** In this process, without workers: creates every tenant. */
  let creator: TestService | undefined;
  let dataSource: DataSource;
  const rows: Array<[string, string]> = [];

  beforeAll(async () => {
    assertBuilt();
    progress('starting the service (Redis queue backend) in this process');
    // API only: its workers would otherwise sweep the events of the services measured (same database).
    creator = await startTestService({ LOG_LEVEL: 'error', APP_ROLE: 'api' });
    dataSource = creator.context.get(DataSource);
  });
  afterAll(async () => {
    await creator?.close();
    report(`Outbound messaging (${PHONES} test-mode phones at HIGH throughput, ${CONNECTIONS} connections)`, rows);
  });

  it('(d) raw ceiling, then (a) POST /v1/messages', async () => {
    const raw = await rawCeiling(dataSource);
    rows.push(
      ['(d) raw ceiling: bare Fastify + 1 INSERT + 1 BullMQ job, requests/s', fmt(raw.perSecond)],
      ['(d) latency p50 / p99', `${fmt(raw.p50, 1)} ms / ${fmt(raw.p99, 1)} ms`],
      ['(d) CPU during the load', raw.cpu],
    );
    // The real deployment (API and workers in one process), then the API alone with the workers started
    // after the load: how much of (a) the workers' share of the two cores costs.
    for (const [during, after] of [
      [['all'], []],
      [['api'], ['worker']],
    ]) {
      const topology = after.length === 0 ? 'APP_ROLE=all' : 'APP_ROLE=api alone (worker started after the load)';
      const run = currentTestRun();
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const prefix = `${run.redisPrefix}_out_${during.join('_')}`;
      progress(`(a) ${topology}: starting Meta and the service`);
      const meta = await startSandboxProcess(PHONES, `${baseUrl}/v1/webhooks/meta`);
      const env = { META_GRAPH_URL: meta.url };
      const children = during.map((role) => startService(role, port, prefix, env));
      const outbound = new Queue(QueueName.OutboundMessages, { connection: { url: run.redisUrl }, prefix });
      try {
        await waitFor(
          'the service to be ready',
          async () => ((await fetch(`${baseUrl}/health/ready`).catch(() => undefined))?.ok ? true : undefined),
          60_000,
        );
        const phones = await livePhones(creator!, baseUrl, meta.wabas);
        const body = (index: number) =>
          JSON.stringify({
            phoneNumberId: phones[index % phones.length].phoneNumberId,
            to: customer(),
            type: 'template',
            template: HELLO_WORLD,
          });
        const headers = (index: number) => bearer(phones[index % phones.length].key);
        progress(`(a) ${topology}: warming up`);
        const warmup = await load(baseUrl, '/v1/messages', headers, body, WARMUP_SECONDS);
        progress(`(a) ${topology}: measuring`);
        const cpu = cpuSnapshot([...children.map((child) => child.child.pid!), meta.process.child.pid!]);
        const measured = await load(baseUrl, '/v1/messages', headers, body, SECONDS);
        const cpuText = cpu.since([...children.map(() => 'service'), 'Meta (sandbox)']);
        const loadEnded = performance.now();
        const backlog = await outbound.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
        const orgIds = phones.map((phone) => phone.orgId);
        const accepted = warmup.ok + measured.ok;
        const sentAtEnd = (await messageCounts(dataSource, 'organization_id', orgIds)).sent;
        children.push(...after.map((role) => startService(role, port, prefix, env)));
        progress(`(a) ${topology}: ${measured.ok} accepted, waiting until all ${accepted} are sent`);
        const done = await waitUntilSent(dataSource, 'organization_id', orgIds, accepted, 300_000);
        const drainSeconds = (performance.now() - loadEnded) / 1000;
        expect(measured.non2xx + warmup.non2xx).toBe(0);
        expect(done.total).toBe(accepted);
        rows.push(
          [`(a) ${topology}: POST /v1/messages accepted/s`, fmt(measured.perSecond)],
          [`(a) ${topology}: latency p50 / p99`, `${fmt(measured.p50, 1)} ms / ${fmt(measured.p99, 1)} ms`],
          [`(a) ${topology}: ratio to (d) (target ≥ 60%)`, `${fmt((100 * measured.perSecond) / raw.perSecond, 1)}%`],
          [`(a) ${topology}: CPU during the load`, cpuText],
          [
            `(a) ${topology}: sending during the load`,
            `${fmt(sentAtEnd)} of ${fmt(accepted)} accepted were sent when the load ended (outbound queue: ` +
              `${backlog.waiting + backlog.prioritized} waiting, ${backlog.active} active, ${backlog.delayed} delayed); ` +
              `all sent ${fmt(drainSeconds, 1)} s later`,
          ],
        );
      } finally {
        await outbound.close();
        for (const child of [...children, meta.process]) {
          child.child.kill('SIGTERM');
          await child.exited;
        }
      }
    }
  });

  it('(c) 5,000-recipient batch accept', async () => {
    // The API alone, in its own process: no worker competes with the accept, and its messages stay
    // queued (with their batch's job in its queue), never sent; the run's database and queues are dropped afterwards.
    const run = currentTestRun();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const prefix = `${run.redisPrefix}_batch`;
    const api = startService('api', port, prefix);
    const outbound = new Queue(QueueName.OutboundMessages, { connection: { url: run.redisUrl }, prefix });
    try {
      await waitFor(
        'the service to be ready',
        async () => ((await fetch(`${baseUrl}/health/ready`).catch(() => undefined))?.ok ? true : undefined),
        60_000,
      );
      const phones = await benchPhones(creator!, baseUrl, PHONES);
      // One batch first, as every measure here warms up.
      await sendBatch(baseUrl, phones[0], BATCH_SIZE);
      progress('(c) measuring');
      const accepts: number[] = [];
      const batchIds: string[] = [];
      for (let repeat = 0; repeat < BATCH_REPEATS; repeat += 1) {
        const started = performance.now();
        const batch = await sendBatch(baseUrl, phones[repeat % phones.length], BATCH_SIZE);
        accepts.push(performance.now() - started);
        expect(batch.accepted).toBe(BATCH_SIZE);
        batchIds.push(batch.id);
      }
      const queued = await messageCounts(dataSource, 'batch_id', batchIds);
      expect(queued.total).toBe(BATCH_SIZE * BATCH_REPEATS);
      // Each batch has its job, which a worker turns into its messages' send jobs ((b) measures that).
      for (const batchId of batchIds) {
        expect((await outbound.getJob(`batch-${batchId}`))?.name).toBe('queue-batch');
      }
      const sorted = [...accepts].sort((a, b) => a - b);
      rows.push([
        `(c) ${fmt(BATCH_SIZE)}-recipient batch accept, ${BATCH_REPEATS} runs after one to warm up (target < 1 s)`,
        `median ${fmt(percentile(sorted, 50))} ms, max ${fmt(sorted[sorted.length - 1])} ms (${accepts.map((ms) => fmt(ms)).join(', ')})`,
      ]);
    } finally {
      await outbound.obliterate({ force: true });
      await outbound.close();
      api.child.kill('SIGTERM');
      await api.exited;
    }
  });

  it('(b) end to end on the Redis queue backend', async () => {
    rows.push(...e2eRows('Redis', await endToEnd(creator!, 'redis', E2E_MESSAGES)));
  });

  it('(b) end to end on the PostgreSQL queue backend', async () => {
    rows.push(...e2eRows('PostgreSQL', await endToEnd(creator!, 'postgres', E2E_MESSAGES)));
  });

  it('(e) one phone at Meta’s top tier (1,000/s), Redis queue backend', async () => {
    const e2e = await endToEnd(creator!, 'redis', ONE_PHONE_MESSAGES, 1);
    rows.push([
      `(e) one HIGH phone: messages/s reaching Meta (10% to 90% of ${fmt(e2e.messages)}; its limit 1,000)`,
      `${fmt(e2e.steadyPerSecond)} (all accepted ${fmt(e2e.acceptSeconds, 2)} s, all at Meta ${fmt(e2e.atMetaSeconds, 1)} s, ` +
        `all sent ${fmt(e2e.sentSeconds, 1)} s after the first POST); CPU: ${e2e.cpu}`,
    ]);
  });
});

/** The built service in its own process, as deployed (Redis queue backend unless `env` unsets REDIS_URL). */
function startService(role: string, port: number, prefix: string, env: Record<string, string> = {}): RunningProcess {
  return startProcess(
    MAIN_JS,
    [],
    serviceEnv({
      APP_ROLE: role,
      PORT: String(port),
      REDIS_KEY_PREFIX: prefix,
      SANDBOX_STATUS_DELAY_MS: STATUS_DELAY_MS,
      DATABASE_POOL_SIZE: POOL_SIZE,
      ...env,
      // e.g. `--require ./profile.js` (NODE_OPTIONS refuses --cpu-prof) to see where the service's time goes.
      ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}),
    }),
  );
}

/** (d): bare Fastify in its own process, one INSERT (pg Pool of 10, scratch table) and one job (scratch queue) per request. */
async function rawCeiling(dataSource: DataSource): Promise<LoadResult & { cpu: string }> {
  const run = currentTestRun();
  const prefix = `${run.redisPrefix}_raw`;
  await dataSource.query(
    `CREATE TABLE bench_raw_ceiling (id uuid PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  );
  const port = await freePort();
  const server = startProcess(
    '-e',
    [RAW_CEILING_SERVER],
    cleanEnv({
      PORT: String(port),
      RAW_DATABASE_URL: run.databaseUrl,
      RAW_REDIS_URL: run.redisUrl,
      RAW_PREFIX: prefix,
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const body = () => JSON.stringify({ phoneNumberId: '0', to: customer(), type: 'template', template: HELLO_WORLD });
  try {
    progress('(d) starting the raw ceiling server');
    await waitFor('the raw server', async () => (server.output().includes('listening') ? true : undefined), 30_000);
    const warmup = await load(url, '/raw', () => ({}), body, WARMUP_SECONDS);
    progress('(d) measuring');
    const cpu = cpuSnapshot([server.child.pid!]);
    const measured = await load(url, '/raw', () => ({}), body, SECONDS);
    const cpuText = cpu.since();
    const [{ inserted }] = (await dataSource.query(`SELECT count(*)::int AS inserted FROM bench_raw_ceiling`)) as {
      inserted: number;
    }[];
    expect(measured.non2xx + warmup.non2xx).toBe(0);
    expect(inserted).toBe(warmup.ok + measured.ok);
    return { ...measured, cpu: cpuText };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await dataSource.query(`DROP TABLE bench_raw_ceiling`);
    const queue = new Queue('bench-raw', { connection: { url: run.redisUrl }, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** Runs with `node -e`; the modules are this repository's. */
const RAW_CEILING_SERVER = `
const fastify = require(${JSON.stringify(require.resolve('fastify'))})({ logger: false });
const { Pool } = require(${JSON.stringify(require.resolve('pg'))});
const { Queue } = require(${JSON.stringify(require.resolve('bullmq'))});
const { randomUUID } = require('node:crypto');
const pool = new Pool({ connectionString: process.env.RAW_DATABASE_URL, max: 10 });
const queue = new Queue('bench-raw', { connection: { url: process.env.RAW_REDIS_URL }, prefix: process.env.RAW_PREFIX });
fastify.post('/raw', async (request, reply) => {
  const id = randomUUID();
  await pool.query('INSERT INTO bench_raw_ceiling (id, body) VALUES ($1, $2)', [id, request.body]);
  await queue.add('job', { id }, { jobId: id, removeOnComplete: true });
  reply.code(202);
  return { data: { id, status: 'queued' } };
});
fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => console.log('listening'));
process.on('SIGTERM', async () => {
  await fastify.close();
  await queue.close();
  await pool.end();
  process.exit(0);
});
`;

/**
 * Test-mode tenants (an organization, a key without a practical rate limit, a sandbox phone) whose
 * phone is HIGH in our database before the service at `apiUrl` provisions it into its in-process
 * sandbox (which copies the level), and whose WABA has hello_world synced through that service.
 */
async function benchPhones(creator: TestService, apiUrl: string, count: number): Promise<BenchPhone[]> {
  const dataSource = creator.context.get(DataSource);
  const api = createClient<paths>({ baseUrl: apiUrl });
  const phones: BenchPhone[] = [];
  for (let index = 0; index < count; index += 1) {
    const tenant = await newTenant(creator, { mode: 'test', rateLimitPerMinute: 1_000_000 });
    // TypeORM answers an UPDATE with [rows, affected].
    const [[phone]] = (await dataSource.query(
      `UPDATE phone_numbers SET throughput_level = 'HIGH' WHERE organization_id = $1
       RETURNING id, waba_id, meta_phone_number_id`,
      [tenant.orgId],
    )) as [{ id: string; waba_id: string; meta_phone_number_id: string }[], number];
    const synced = await api.POST('/v1/wabas/{wabaId}/templates/sync', {
      headers: bearer(tenant.apiKey.key),
      params: { path: { wabaId: phone.waba_id } },
    });
    if (!synced.response.ok) {
      throw new Error(`template sync failed: ${JSON.stringify(synced.error)}`);
    }
    phones.push({
      key: tenant.apiKey.key,
      orgId: tenant.orgId,
      phoneNumberId: phone.id,
      metaPhoneNumberId: phone.meta_phone_number_id,
    });
  }
  return phones;
}

async function sendBatch(baseUrl: string, phone: BenchPhone, size: number): Promise<{ id: string; accepted: number }> {
  const response = await fetch(`${baseUrl}/v1/messages/batch`, {
    method: 'POST',
    headers: { ...bearer(phone.key), 'content-type': 'application/json' },
    body: JSON.stringify({
      phoneNumberId: phone.phoneNumberId,
      type: 'template',
      template: HELLO_WORLD,
      recipients: Array.from({ length: size }, () => ({ to: customer() })),
    }),
  });
  const body = (await response.json()) as { data: { id: string; accepted: number } };
  if (response.status !== 202) {
    throw new Error(`batch refused: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.data;
}

interface E2eResult {
  topology: string;
  messages: number;
  acceptSeconds: number;
  atMetaSeconds: number;
  sentSeconds: number;
  /** Messages reaching Meta per second between 10% and 90% of them: the sending rate, without the accept. */
  steadyPerSecond: number;
  timeline: string[];
  perMessage: string;
  cpu: string;
}

/**
 * Meta for (b): the standalone sandbox in its own process, with `count` WABAs of one HIGH phone
 * each, sending its webhooks to `webhookUrl`. Answers its URL and what the service connects.
 */
async function startSandboxProcess(count: number, webhookUrl: string) {
  const sandbox = startProcess(
    '-e',
    [SANDBOX_SERVER],
    cleanEnv({
      SANDBOX_APP_SECRET: TEST_SECRETS.META_APP_SECRET,
      SANDBOX_WEBHOOK_URL: webhookUrl,
      SANDBOX_WABAS: String(count),
      SANDBOX_STATUS_DELAY_MS: STATUS_DELAY_MS,
      ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}),
    }),
  );
  const ready = await waitFor('the sandbox process', async () => sandbox.output().match(/^\{.*\}$/m)?.[0], 30_000);
  return {
    process: sandbox,
    ...(JSON.parse(ready) as { url: string; wabas: { wabaId: string; accessToken: string; phoneId: string }[] }),
  };
}

/** Runs with `node -e`: the built sandbox (dist/), its WABAs and HIGH phones printed as one JSON line. */
const SANDBOX_SERVER = `
const { createMetaSandbox } = require(${JSON.stringify(SANDBOX_JS)});
(async () => {
  const delay = Number(process.env.SANDBOX_STATUS_DELAY_MS);
  const sandbox = await createMetaSandbox({
    appSecret: process.env.SANDBOX_APP_SECRET,
    webhookUrl: process.env.SANDBOX_WEBHOOK_URL,
    statusDelaysMs: { sent: 0, delivered: delay, read: delay },
  });
  const wabas = [];
  for (let index = 0; index < Number(process.env.SANDBOX_WABAS); index += 1) {
    const accessToken = 'EAAG-bench-' + index + '-' + Date.now();
    const waba = sandbox.createWaba({ name: 'Bench ' + index, accessToken });
    const phone = sandbox.createPhoneNumber(waba.id, {
      displayPhoneNumber: '+1 555-900-' + String(index).padStart(4, '0'),
      verifiedName: 'Bench',
      throughputLevel: 'HIGH',
    });
    wabas.push({ wabaId: waba.id, accessToken, phoneId: phone.id });
  }
  console.log(JSON.stringify({ url: sandbox.url, wabas }));
  process.once('SIGTERM', () => sandbox.close().then(() => process.exit(0)));
})();
`;

/** Live-mode tenants (created through `creator`), each connecting one sandbox WABA to the service at `apiUrl`. */
async function livePhones(
  creator: TestService,
  apiUrl: string,
  wabas: { wabaId: string; accessToken: string; phoneId: string }[],
): Promise<BenchPhone[]> {
  const api = createClient<paths>({ baseUrl: apiUrl });
  const phones: BenchPhone[] = [];
  for (const waba of wabas) {
    const tenant = await newTenant(creator, { mode: 'live', rateLimitPerMinute: 1_000_000 });
    const connected = await api.POST('/v1/wabas', {
      headers: bearer(tenant.apiKey.key),
      body: { metaWabaId: waba.wabaId, accessToken: waba.accessToken },
    });
    if (!connected.data) {
      throw new Error(`connecting a WABA failed: ${JSON.stringify(connected.error)}`);
    }
    const synced = await api.POST('/v1/wabas/{wabaId}/templates/sync', {
      headers: bearer(tenant.apiKey.key),
      params: { path: { wabaId: connected.data.data.id } },
    });
    if (!synced.response.ok) {
      throw new Error(`template sync failed: ${JSON.stringify(synced.error)}`);
    }
    phones.push({
      key: tenant.apiKey.key,
      orgId: tenant.orgId,
      phoneNumberId: connected.data.data.phoneNumbers[0].id,
      metaPhoneNumberId: waba.phoneId,
    });
  }
  return phones;
}

/**
 * As deployed: the service in its own process (`APP_ROLE=all`) on one queue backend, Meta the
 * standalone sandbox in another. After a warm-up, `total` messages in one batch per phone, all
 * POSTed at once; times from the first POST until Meta accepted every one (`wa_message_id` stored)
 * and until every one is `sent`. Samples progress every 2 s, and counts PostgreSQL transactions
 * and Redis commands of every client meanwhile.
 */
async function endToEnd(
  creator: TestService,
  backend: 'redis' | 'postgres',
  total: number,
  phoneCount = PHONES,
): Promise<E2eResult> {
  const dataSource = creator.context.get(DataSource);
  const run = currentTestRun();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const prefix = `${run.redisPrefix}_e2e_${backend}`;
  progress(`(b) ${backend}: starting Meta and the service`);
  const meta = await startSandboxProcess(phoneCount, `${baseUrl}/v1/webhooks/meta`);
  const service = startService('all', port, prefix, {
    META_GRAPH_URL: meta.url,
    ...(backend === 'postgres' ? { REDIS_URL: '' } : {}),
  });
  const outbound =
    backend === 'redis'
      ? new Queue(QueueName.OutboundMessages, { connection: { url: run.redisUrl }, prefix })
      : undefined;
  try {
    await waitFor(
      'the service to be ready',
      async () => ((await fetch(`${baseUrl}/health/ready`).catch(() => undefined))?.ok ? true : undefined),
      60_000,
    );
    const phones = await livePhones(creator, baseUrl, meta.wabas);
    // Warm-up: a few messages per phone through the whole pipeline first (JIT, connections).
    const warmup = await Promise.all(phones.map((phone) => sendBatch(baseUrl, phone, E2E_WARMUP_PER_PHONE)));
    await waitUntilSent(
      dataSource,
      'batch_id',
      warmup.map((batch) => batch.id),
      E2E_WARMUP_PER_PHONE * phones.length,
      120_000,
    );
    progress(`(b) ${backend}: measuring`);
    const perPhone = Math.ceil(total / phones.length);
    const sizes = phones.map((_, index) => Math.min(perPhone, total - index * perPhone)).filter((size) => size > 0);
    const operations = await countOperations(dataSource, run.redisUrl);
    const cpu = cpuSnapshot([service.child.pid!, meta.process.child.pid!]);
    const startedAt = Date.now();
    const seconds = () => (Date.now() - startedAt) / 1000;
    const batches = await Promise.all(sizes.map((size, index) => sendBatch(baseUrl, phones[index], size)));
    const acceptSeconds = seconds();
    const batchIds = batches.map((batch) => batch.id);
    const messages = batches.reduce((sum, batch) => sum + batch.accepted, 0);
    expect(messages).toBe(total);

    const timeline: string[] = [];
    const reached: { seconds: number; atMeta: number }[] = [];
    let atMetaSeconds = 0;
    let lastSample = -1;
    for (;;) {
      const counts = await messageCounts(dataSource, 'batch_id', batchIds);
      reached.push({ seconds: seconds(), atMeta: counts.atMeta });
      if (!atMetaSeconds && counts.atMeta === messages) {
        atMetaSeconds = seconds();
      }
      const done = counts.sent === messages;
      if (done || seconds() - lastSample >= 1.9) {
        lastSample = seconds();
        const [out, [{ pending }]] = await Promise.all([
          outbound?.getJobCounts('waiting', 'prioritized', 'active', 'delayed'),
          dataSource.query(
            `SELECT count(*)::int AS pending FROM meta_webhook_events WHERE status = 'received'`,
          ) as Promise<{ pending: number }[]>,
        ]);
        timeline.push(
          `| ${fmt(lastSample, 1)} s | ${counts.atMeta} | ${counts.sent} | ` +
            `${out ? `${out.waiting + out.prioritized} / ${out.active} / ${out.delayed}` : '—'} | ${pending} |`,
        );
      }
      if (done) {
        break;
      }
      if (counts.failed > 0) {
        throw new Error(`${counts.failed} message(s) failed instead of being sent`);
      }
      if (seconds() > 400) {
        throw new Error(`Only ${counts.sent} of ${messages} messages sent after 400 s (${counts.atMeta} reached Meta)`);
      }
      // Counting costs PostgreSQL a few ms: not more often, so as not to slow down what is measured.
      await sleep(250);
    }
    // When the last `sent` was recorded, by PostgreSQL's clock (this machine's): not when the loop saw it.
    const [{ lastSentAt }] = (await dataSource.query(
      `SELECT extract(epoch FROM max(h.created_at)) * 1000 AS "lastSentAt"
         FROM messages m JOIN message_status_events h ON h.message_id = m.id AND h.status = 'sent'
        WHERE m.batch_id = ANY($1::uuid[])`,
      [batchIds],
    )) as { lastSentAt: number }[];
    const sentSeconds = (Number(lastSentAt) - startedAt) / 1000;
    const cpuText = cpu.since(['service', 'Meta (sandbox)']);
    const { transactions, redisCommands } = await operations.stop();
    return {
      topology: `service APP_ROLE=all, Meta = standalone sandbox process`,
      messages,
      acceptSeconds,
      atMetaSeconds,
      sentSeconds,
      steadyPerSecond: steadyRate(reached, messages),
      timeline,
      perMessage:
        `${fmt(transactions / messages, 2)} PostgreSQL transactions (statements outside a transaction count as one), ` +
        `${fmt(redisCommands / messages, 2)} Redis commands (every client; the bench's polling included)`,
      cpu: cpuText,
    };
  } finally {
    await outbound?.close();
    service.child.kill('SIGTERM');
    await service.exited;
    meta.process.child.kill('SIGTERM');
    await meta.process.exited;
  }
}

/** Messages per second between the polls where 10% and 90% of `total` had reached Meta. */
function steadyRate(samples: { seconds: number; atMeta: number }[], total: number): number {
  const first = samples.find((sample) => sample.atMeta >= total * 0.1)!;
  const last = samples.find((sample) => sample.atMeta >= total * 0.9)!;
  return (last.atMeta - first.atMeta) / (last.seconds - first.seconds || 1);
}

function e2eRows(backend: string, e2e: E2eResult): Array<[string, string]> {
  process.stdout.write(
    `\n(b) ${backend} queue backend, ${e2e.messages} messages (${e2e.topology}): progress\n\n` +
      `| since first accept | reached Meta | sent | outbound waiting / active / delayed | ` +
      `Meta webhooks not yet ingested |\n` +
      `|---|---|---|---|---|\n${e2e.timeline.join('\n')}\n\n`,
  );
  return [
    [
      `(b) ${backend}: messages/s, first accept → all sent (target ${backend === 'Redis' ? '≥ 2,500' : '≥ 1,000'})`,
      `${fmt(e2e.messages / e2e.sentSeconds)} (${fmt(e2e.messages)} in ${fmt(e2e.sentSeconds, 1)} s)`,
    ],
    [
      `(b) ${backend}: all accepted / all reached Meta / all sent`,
      `${fmt(e2e.acceptSeconds, 2)} s / ${fmt(e2e.atMetaSeconds, 1)} s / ${fmt(e2e.sentSeconds, 1)} s`,
    ],
    [`(b) ${backend}: messages/s reaching Meta, 10% to 90% of them`, fmt(e2e.steadyPerSecond)],
    [`(b) ${backend}: work per message (accept to sent)`, e2e.perMessage],
    [`(b) ${backend}: CPU`, e2e.cpu],
  ];
}

/** Transactions PostgreSQL committed in this run's database and commands Redis processed, from now until stop(). */
async function countOperations(dataSource: DataSource, redisUrl: string) {
  const redis = new Redis(redisUrl);
  const read = async () => {
    const [{ xacts }] = (await dataSource.query(
      `SELECT (xact_commit + xact_rollback)::float8 AS xacts FROM pg_stat_database WHERE datname = current_database()`,
    )) as { xacts: number }[];
    const info = await redis.info('stats');
    return { xacts, commands: Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0) };
  };
  // The statistics collector reports with a delay of up to half a second.
  const settled = async () => {
    await sleep(600);
    return read();
  };
  const before = await settled();
  return {
    async stop() {
      const after = await settled();
      redis.disconnect();
      return { transactions: after.xacts - before.xacts, redisCommands: after.commands - before.commands };
    },
  };
}

async function messageCounts(
  dataSource: DataSource,
  column: 'batch_id' | 'organization_id',
  ids: string[],
): Promise<{ total: number; atMeta: number; sent: number; failed: number }> {
  const [counts] = (await dataSource.query(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE wa_message_id IS NOT NULL)::int AS "atMeta",
            count(*) FILTER (WHERE status IN ${SENT})::int AS sent, count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM messages WHERE ${column} = ANY($1::uuid[]) AND direction = 'outbound'`,
    [ids],
  )) as { total: number; atMeta: number; sent: number; failed: number }[];
  return counts;
}

/** Every one of `expected` messages sent; fails when one failed or time runs out. */
async function waitUntilSent(
  dataSource: DataSource,
  column: 'batch_id' | 'organization_id',
  ids: string[],
  expected: number,
  timeoutMs: number,
) {
  return waitFor(
    `${expected} messages to be sent`,
    async () => {
      const counts = await messageCounts(dataSource, column, ids);
      if (counts.failed > 0) {
        throw new Error(`${counts.failed} message(s) failed instead of being sent`);
      }
      await sleep(200);
      return counts.sent >= expected ? counts : undefined;
    },
    timeoutMs,
  );
}

interface LoadResult {
  ok: number;
  non2xx: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** `CONNECTIONS` requests in flight for `seconds`, as the inbound bench does (undici, no pipelining). */
async function load(
  baseUrl: string,
  path: string,
  headers: (index: number) => Record<string, string>,
  body: (index: number) => string,
  seconds: number,
): Promise<LoadResult> {
  const pool = new Pool(baseUrl, { connections: CONNECTIONS, pipelining: 1 });
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  let non2xx = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const index = next++;
        const sent = performance.now();
        const response = await pool.request({
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers(index) },
          body: body(index),
        });
        await response.body.dump();
        latencies.push(performance.now() - sent);
        if (response.statusCode >= 200 && response.statusCode < 300) {
          ok += 1;
        } else {
          non2xx += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { ok, non2xx, perSecond: ok / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * CPU time from /proc, in % of one core, between this call and `since()`: the given processes, this
 * (jest: load generator, or in-process service) process, PostgreSQL and Redis, and the whole machine.
 */
function cpuSnapshot(pids: number[]) {
  const ticksOf = (pid: number | string) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  const ticksByName = (name: string) =>
    readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .reduce((sum, pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name ? sum + ticksOf(pid) : sum;
        } catch {
          return sum;
        }
      }, 0);
  const machineTicks = () => {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const all = fields.reduce((a, b) => a + b, 0);
    return { busy: all - fields[3] - fields[4], all };
  };
  const take = () => ({
    pids: pids.map(ticksOf),
    self: ticksOf(process.pid),
    postgres: ticksByName('postgres'),
    redis: ticksByName('redis-server'),
    machine: machineTicks(),
    at: performance.now(),
  });
  const before = take();
  return {
    since(labels: string[] = pids.map(() => 'service')): string {
      const after = take();
      // /proc counts in USER_HZ: 100 per second.
      const pct = (ticks: number) => `${fmt(ticks / ((after.at - before.at) / 1000))}%`;
      const busy = (100 * (after.machine.busy - before.machine.busy)) / (after.machine.all - before.machine.all || 1);
      const processes = after.pids.map((ticks, index) => `${labels[index]} ${pct(ticks - before.pids[index])}`);
      return (
        `${processes.length > 0 ? `${processes.join(', ')}, load generator` : 'this process'} ` +
        `${pct(after.self - before.self)}, PostgreSQL ${pct(after.postgres - before.postgres)}, ` +
        `Redis ${pct(after.redis - before.redis)} (% of one core; PostgreSQL counts all its processes); ` +
        `machine ${fmt(busy)}% busy`
      );
    },
  };
}
