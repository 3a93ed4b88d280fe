import { createMetaSandbox, MetaSandbox } from '@libs/meta-sandbox';
import { randomInt } from 'node:crypto';
import { bearer, newTenant } from '../helpers/factories';
import { PrivateRedis } from '../helpers/private-redis';
import { assertBuilt, MAIN_JS, RunningProcess, serviceEnv, startProcess } from '../helpers/processes';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { TEST_SECRETS } from '../setup/test-environment';

/**
 * The queue backend itself goes down: Redis (a server of this test's own) is killed mid-batch and
 * comes back empty, its jobs, schedules and send slots gone. Every accepted message still reaches
 * Meta (the standalone sandbox) exactly once, without restarting the API or the worker.
 */
describe('Sending when Redis crashes and comes back empty', () => {
  const recovery = { RECOVERY_AFTER_MS: '1500', RECOVERY_INTERVAL_MS: '500' };
  let redis: PrivateRedis;
  let meta: MetaSandbox;
  let api: TestService;
  let worker: RunningProcess;

  beforeAll(async () => {
    assertBuilt();
    redis = await PrivateRedis.start();
    meta = await createMetaSandbox({
      appSecret: TEST_SECRETS.META_APP_SECRET,
      statusDelaysMs: { sent: 0, delivered: 60_000, read: 60_000 },
    });
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'restart', META_GRAPH_URL: meta.url, ...recovery };
    api = await startTestService({ APP_ROLE: 'api', ...env });
    meta.setWebhookUrl(`${api.url}/v1/webhooks/meta`);
    worker = startProcess(MAIN_JS, [], serviceEnv({ APP_ROLE: 'worker', LOG_LEVEL: 'info', ...env }));
    await waitFor(
      'the worker to start',
      async () => (/Worker started/.test(worker.output()) ? true : undefined),
      30_000,
    );
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await api?.close();
    await meta?.close();
    await redis?.kill();
  });

  it('sends every message accepted before, during and after the outage exactly once', async () => {
    const tenant = await newTenant(api, { mode: 'live' });
    const key = tenant.apiKey.key;
    const accessToken = `EAAG-restart-${Date.now()}`;
    const metaWaba = meta.createWaba({ name: 'Shop', accessToken });
    const metaPhone = meta.createPhoneNumber(metaWaba.id, {
      displayPhoneNumber: '+1 555-710-0001',
      verifiedName: 'Shop',
    });
    const connected = await api.api.POST('/v1/wabas', {
      headers: bearer(key),
      body: { metaWabaId: metaWaba.id, accessToken },
    });
    const phoneNumberId = connected.data!.data.phoneNumbers[0].id;
    const template = { name: 'hello_world', language: { code: 'en_US' } };
    const customers = [...new Set(Array.from({ length: 700 }, () => `+1555${randomInt(1_000_000, 9_999_999)}`))];
    const sendOne = (to: string) =>
      api.api.POST('/v1/messages', {
        headers: bearer(key),
        body: { phoneNumberId, to, type: 'template', template } as never,
      });
    const sentCount = () => meta.sentMessages(metaPhone.id).length;

    const batch = await api.api.POST('/v1/messages/batch', {
      headers: bearer(key),
      body: {
        phoneNumberId,
        type: 'template',
        template,
        recipients: customers.slice(0, 300).map((to) => ({ to })),
      } as never,
    });
    expect(batch.data!.data.accepted).toBe(300);
    await waitFor('the worker to be mid-batch', async () => (sentCount() >= 60 ? true : undefined), 30_000);

    await redis.kill();
    expect(sentCount()).toBeLessThan(300);
    // Sends keep coming while Redis is down.
    const during = customers.slice(300, 320).map(sendOne);
    await redis.restart();
    const duringAnswers = await Promise.all(during);
    const after = await Promise.all(customers.slice(320, 340).map(sendOne));

    const accepted = [
      ...batch.data!.data.messages.map((message) => message.id),
      ...[...duringAnswers, ...after]
        .filter((answer) => answer.response.status === 202)
        .map((answer) => answer.data!.data.id),
    ];
    // Nothing sent while Redis was down was refused: each message is stored before the queue is asked.
    expect(accepted).toHaveLength(340);
    await waitFor(
      'every accepted message to reach WhatsApp',
      async () => (sentCount() >= accepted.length ? true : undefined),
      60_000,
    );
    const requestsPerMessage = new Map<string, number>();
    for (const sent of meta.sentMessages(metaPhone.id)) {
      const id = String(sent.body.biz_opaque_callback_data);
      requestsPerMessage.set(id, (requestsPerMessage.get(id) ?? 0) + 1);
    }
    expect([...requestsPerMessage.keys()].sort()).toEqual([...accepted].sort());
    expect([...requestsPerMessage.values()].every((count) => count === 1)).toBe(true);
    await waitFor(
      'every message to be sent',
      async () => {
        const counts = await api.api.GET('/v1/messages/batch/{batchId}', {
          headers: bearer(key),
          params: { path: { batchId: batch.data!.data.id } },
        });
        return counts.data!.data.counts.sent === 300 ? counts.data!.data.counts : undefined;
      },
      30_000,
    );
  }, 120_000);
});
