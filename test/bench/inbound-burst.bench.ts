import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Pool } from 'undici';
import { bearer, newTenant } from '../helpers/factories';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { assertBuilt, freePort, MAIN_JS, RunningProcess, serviceEnv, startProcess } from '../helpers/processes';
import { TEST_SECRETS } from '../setup/test-environment';
import { percentile, report } from './bench-report';

const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const CUSTOMERS = 1_000;

/**
 * A burst of inbound webhooks as Meta would send them (signed, one message each, 1,000 customers),
 * from this process to the service in its own process(es):
 * how fast /v1/webhooks/meta acknowledges them (rate, p50/p99), and how fast the workers turn them
 * into contacts, conversations and messages.
 */
describe.each([
  ['one process (APP_ROLE=all)', ['all']],
  ['an API process and a worker process', ['api', 'worker']],
])('inbound webhook burst: %s', (topology, roles) => {
  /** In this process only to set up a tenant; the burst goes to the child processes. */
  let setup: TestService;
  let processes: RunningProcess[] = [];
  let baseUrl = '';

  beforeAll(async () => {
    setup = await startTestService({ LOG_LEVEL: 'error', APP_ROLE: 'api' });
    assertBuilt();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    processes = roles.map((role) => startProcess(MAIN_JS, [], serviceEnv({ APP_ROLE: role, PORT: String(port) })));
    await waitFor(
      'the service to be ready',
      async () => ((await fetch(`${baseUrl}/health/ready`).catch(() => undefined))?.ok ? true : undefined),
      60_000,
    );
  });
  afterAll(async () => {
    for (const child of processes) {
      child.child.kill('SIGTERM');
      await child.exited;
    }
    await setup.close();
  });

  it(`acknowledges and ingests ${WEBHOOKS} webhooks`, async () => {
    const tenant = await newTenant(setup, { mode: 'test' });
    const wabas = await setup.api.GET('/v1/wabas', { headers: bearer(tenant.apiKey.key) });
    const metaPhoneNumberId = wabas.data!.data[0].phoneNumbers[0].metaPhoneNumberId;
    const now = Math.floor(Date.now() / 1000);
    const bodies = Array.from({ length: WEBHOOKS }, (_, index) => {
      const waId = `1555${String(index % CUSTOMERS).padStart(7, '0')}`;
      return JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '1',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550001111', phone_number_id: metaPhoneNumberId },
                  contacts: [
                    { profile: { name: `Customer ${index % CUSTOMERS}` }, wa_id: waId, user_id: `US.${waId}` },
                  ],
                  messages: [
                    {
                      from: waId,
                      from_user_id: `US.${waId}`,
                      id: `wamid.BENCH${index}`,
                      timestamp: String(now),
                      type: 'text',
                      text: { body: `message ${index}` },
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
    });
    const signatures = bodies.map(
      (body) => `sha256=${createHmac('sha256', TEST_SECRETS.META_APP_SECRET).update(body).digest('hex')}`,
    );

    const pool = new Pool(baseUrl, { connections: CONNECTIONS, pipelining: 1 });
    const latencies: number[] = [];
    let next = 0;
    let failures = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < bodies.length) {
          const index = next++;
          const sent = performance.now();
          const response = await pool.request({
            path: '/v1/webhooks/meta',
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatures[index] },
            body: bodies[index],
          });
          await response.body.dump();
          latencies.push(performance.now() - sent);
          if (response.statusCode !== 200) {
            failures += 1;
          }
        }
      }),
    );
    const ackSeconds = (performance.now() - started) / 1000;
    await pool.close();

    const dataSource = setup.context.get(DataSource);
    await waitFor(
      'every webhook to be ingested',
      async () => {
        const [{ pending }] = (await dataSource.query(
          `SELECT count(*)::int AS pending FROM meta_webhook_events WHERE status = 'received'`,
        )) as { pending: number }[];
        return pending === 0 ? true : undefined;
      },
      600_000,
    );
    const processedSeconds = (performance.now() - started) / 1000;
    const [{ messages }] = (await dataSource.query(
      `SELECT count(*)::int AS messages FROM messages WHERE organization_id = $1`,
      [tenant.orgId],
    )) as { messages: number }[];

    latencies.sort((a, b) => a - b);
    report(
      `Inbound webhook burst, ${topology} (${WEBHOOKS} webhooks, ${CONNECTIONS} connections, Redis queue backend)`,
      [
        ['acknowledged per second', (WEBHOOKS / ackSeconds).toFixed(0)],
        ['ack latency p50', `${percentile(latencies, 50).toFixed(1)} ms`],
        ['ack latency p99', `${percentile(latencies, 99).toFixed(1)} ms`],
        ['non-200 answers', String(failures)],
        ['ingested per second (first POST → last processed)', (WEBHOOKS / processedSeconds).toFixed(0)],
        ['messages stored', String(messages)],
      ],
    );
    expect(failures).toBe(0);
    expect(messages).toBe(WEBHOOKS);
  });
});
