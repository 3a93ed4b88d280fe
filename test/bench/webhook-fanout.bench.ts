import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { QueueName } from '../../src/queue/queue-names';
import { bearer, newTenant } from '../helpers/factories';
import { assertBuilt, freePort, MAIN_JS, RunningProcess, serviceEnv, startProcess } from '../helpers/processes';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { currentTestRun } from '../setup/test-environment';
import { report } from './bench-report';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 5);

/**
 * Fan-out: EVENTS events to ENDPOINTS endpoints on one local receiver that answers 200 at once,
 * through the service in its own process. Measures deliveries per second from the moment the
 * events are committed until every delivery succeeded.
 */
describe('outgoing webhook fan-out', () => {
  let setup: TestService;
  let service: RunningProcess;
  let receiver: Server;
  let received = 0;

  beforeAll(async () => {
    setup = await startTestService({
      LOG_LEVEL: 'error',
      APP_ROLE: 'api',
      OUTGOING_WEBHOOKS_ALLOW_PRIVATE_URLS: 'true',
      OUTGOING_WEBHOOKS_ALLOW_HTTP: 'true',
    });
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received += 1;
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    assertBuilt();
    const run = currentTestRun();
    const port = await freePort();
    service = startProcess(
      MAIN_JS,
      [],
      serviceEnv({
        APP_ROLE: 'all',
        PORT: String(port),
        REDIS_KEY_PREFIX: `${run.redisPrefix}_fanout`,
        DATABASE_POOL_SIZE: process.env.BENCH_DATABASE_POOL_SIZE ?? '10',
        OUTGOING_WEBHOOKS_ALLOW_PRIVATE_URLS: 'true',
        OUTGOING_WEBHOOKS_ALLOW_HTTP: 'true',
      }),
    );
    await waitFor(
      'the service',
      async () =>
        (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok ? true : undefined,
      60_000,
    );
  });
  afterAll(async () => {
    service.child.kill('SIGTERM');
    await service.exited;
    receiver.close();
    await setup.close();
  });

  it(`delivers ${EVENTS} events to ${ENDPOINTS} endpoints`, async () => {
    const tenant = await newTenant(setup, { mode: 'test' });
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    for (let index = 0; index < ENDPOINTS; index += 1) {
      await setup.api.POST('/v1/outgoing-webhooks', {
        headers: bearer(tenant.apiKey.key),
        body: { url, events: ['contact.*'] },
      });
    }
    const dataSource = setup.context.get(DataSource);
    const started = performance.now();
    await dataSource.query(
      `INSERT INTO events (id, organization_id, livemode, type, data)
       SELECT gen_random_uuid(), $1, false, 'contact.updated', jsonb_build_object('n', n) FROM generate_series(1, $2) AS n`,
      [tenant.orgId, EVENTS],
    );
    // The nudge a change gives after its commit, sent to the service's queue.
    const queue = new Queue(QueueName.WebhookDeliveries, {
      connection: { url: currentTestRun().redisUrl },
      prefix: `${currentTestRun().redisPrefix}_fanout`,
    });
    await queue.add('dispatch', {});
    await queue.close();
    const total = EVENTS * ENDPOINTS;
    let firstDelivery = 0;
    await waitFor(
      'every delivery to succeed',
      async () => {
        if (!firstDelivery && received > 0) {
          firstDelivery = performance.now();
        }
        const [{ done }] = (await dataSource.query(
          `SELECT count(*)::int AS done FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE e.organization_id = $1 AND d.status = 'succeeded'`,
          [tenant.orgId],
        )) as { done: number }[];
        return done >= total ? true : undefined;
      },
      600_000,
    );
    const finished = performance.now();
    report(`Outgoing webhook fan-out (${EVENTS} events × ${ENDPOINTS} endpoints, Redis queue backend, APP_ROLE=all)`, [
      ['deliveries', String(total)],
      [
        'deliveries per second (first delivery → last success)',
        (total / ((finished - firstDelivery) / 1000)).toFixed(0),
      ],
      ['deliveries per second (events committed → last success)', (total / ((finished - started) / 1000)).toFixed(0)],
      ['requests the receiver got', String(received)],
    ]);
    expect(received).toBeGreaterThanOrEqual(total);
  });
});
