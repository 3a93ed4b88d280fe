import { createMetaSandbox, MetaSandbox } from '@libs/meta-sandbox';
import Redis from 'ioredis';
import { randomInt } from 'node:crypto';
import { bearer, newTenant } from '../helpers/factories';
import { assertBuilt, cleanEnv, MAIN_JS, RunningProcess, startProcess } from '../helpers/processes';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { currentTestRun, TEST_SECRETS } from '../setup/test-environment';

/**
 * Crash safety of sending: the API runs here, the workers in child processes that are killed,
 * the queue's Redis keys are wiped, and a standalone sandbox (Meta) counts every request.
 */
describe('Sending survives killed workers and a wiped queue', () => {
  const run = currentTestRun();
  const prefix = `${run.redisPrefix}_faults_${randomInt(1_000_000)}`;
  const recovery = { RECOVERY_AFTER_MS: '1500', RECOVERY_INTERVAL_MS: '500' };
  let meta: MetaSandbox;
  let api: TestService;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    assertBuilt();
    meta = await createMetaSandbox({
      appSecret: TEST_SECRETS.META_APP_SECRET,
      statusDelaysMs: { sent: 0, delivered: 0, read: 0 },
    });
    api = await startTestService({
      APP_ROLE: 'api',
      META_GRAPH_URL: meta.url,
      REDIS_KEY_PREFIX: prefix,
      ...recovery,
    });
    meta.setWebhookUrl(`${api.url}/v1/webhooks/meta`);
  });
  afterAll(async () => {
    for (const worker of workers) {
      worker.child.kill('SIGKILL');
    }
    await api.close();
    await meta.close();
  });

  function startWorker(): RunningProcess {
    const worker = startProcess(
      MAIN_JS,
      [],
      cleanEnv({
        APP_ROLE: 'worker',
        DATABASE_URL: run.databaseUrl,
        DATABASE_RUN_MIGRATIONS: 'false',
        REDIS_URL: run.redisUrl,
        REDIS_KEY_PREFIX: prefix,
        META_GRAPH_URL: meta.url,
        LOG_LEVEL: 'warn',
        ...recovery,
      }),
    );
    workers.push(worker);
    return worker;
  }

  /** Every key of this service's queues, as if Redis had been flushed. */
  async function wipeQueues(): Promise<number> {
    const redis = new Redis(run.redisUrl);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      return keys.length;
    } finally {
      redis.disconnect();
    }
  }

  it('sends every accepted message exactly once after its worker is killed mid-batch and the queue is wiped', async () => {
    const tenant = await newTenant(api, { mode: 'live' });
    const accessToken = `EAAG-faults-${Date.now()}`;
    const metaWaba = meta.createWaba({ name: 'Faults', accessToken });
    const metaPhone = meta.createPhoneNumber(metaWaba.id, {
      displayPhoneNumber: '+1 555-700-0001',
      verifiedName: 'Faults',
    });
    const connected = await api.api.POST('/v1/wabas', {
      headers: bearer(tenant.apiKey.key),
      body: { metaWabaId: metaWaba.id, accessToken },
    });
    const phoneNumberId = connected.data!.data.phoneNumbers[0].id;
    const recipients = [...new Set(Array.from({ length: 700 }, () => `+1555${randomInt(1_000_000, 9_999_999)}`))];
    const batch = await api.api.POST('/v1/messages/batch', {
      headers: bearer(tenant.apiKey.key),
      body: {
        phoneNumberId,
        type: 'template',
        template: { name: 'hello_world', language: { code: 'en_US' } },
        recipients: recipients.slice(0, 300).map((to) => ({ to })),
      } as never,
    });
    expect(batch.data!.data.accepted).toBe(300);
    const messageIds = batch.data!.data.messages.map((message) => message.id);
    const sentCount = () => meta.sentMessages(metaPhone.id).length;

    const first = startWorker();
    await waitFor('the first worker to be mid-batch', async () => (sentCount() >= 60 ? true : undefined), 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(sentCount()).toBeLessThan(300);
    expect(await wipeQueues()).toBeGreaterThan(0);

    startWorker();
    const done = await waitFor(
      'every message to reach WhatsApp',
      async () => {
        const current = await api.api.GET('/v1/messages/batch/{batchId}', {
          headers: bearer(tenant.apiKey.key),
          params: { path: { batchId: batch.data!.data.id } },
        });
        const counts = current.data!.data.counts;
        return counts.sent + counts.delivered + counts.read === 300 ? counts : undefined;
      },
      60_000,
    );
    expect(done).toMatchObject({ queued: 0, sending: 0, failed: 0, cancelled: 0 });
    const requestsPerMessage = new Map<string, number>();
    for (const sent of meta.sentMessages(metaPhone.id)) {
      const id = String(sent.body.biz_opaque_callback_data);
      requestsPerMessage.set(id, (requestsPerMessage.get(id) ?? 0) + 1);
    }
    expect([...requestsPerMessage.keys()].sort()).toEqual([...messageIds].sort());
    expect([...requestsPerMessage.values()].every((count) => count === 1)).toBe(true);
  }, 120_000);
});
