import { createMetaSandbox, MetaSandbox } from '@libs/meta-sandbox';
import Redis from 'ioredis';
import { randomInt } from 'node:crypto';
import { Client } from 'pg';
import { bearer, newTenant } from '../helpers/factories';
import { HoldingProxy, startHoldingProxy } from '../helpers/holding-proxy';
import { uploadedMedia } from '../helpers/media';
import { ownDatabase } from '../helpers/own-database';
import { assertBuilt, MAIN_JS, RunningProcess, serviceEnv, startProcess } from '../helpers/processes';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { currentTestRun, TEST_SECRETS } from '../setup/test-environment';

/**
 * Sending as deployed, on each queue backend: the API runs here, the workers in child processes
 * (killed at will), and a standalone sandbox (Meta) counts and times every request. The services
 * have a database of their own: their reconciler, quick here, takes up only their own messages.
 */
describe.each(['redis', 'postgres'] as const)(
  'Sending with separate API and worker processes (%s queues)',
  (backend) => {
    const run = currentTestRun();
    const prefix = `${run.redisPrefix}_faults_${randomInt(1_000_000)}`;
    let database: { url: string; drop(): Promise<void> };
    let env: Record<string, string>;
    let meta: MetaSandbox;
    /** Between workers and Meta when a test needs to hold a call mid-flight. */
    let proxy: HoldingProxy;
    let api: TestService;
    const workers: RunningProcess[] = [];

    beforeAll(async () => {
      assertBuilt();
      database = await ownDatabase();
      meta = await createMetaSandbox({
        appSecret: TEST_SECRETS.META_APP_SECRET,
        // Only `sent` flows while a test runs: what is timed is sending, not the ingestion of later statuses.
        statusDelaysMs: { sent: 0, delivered: 60_000, read: 60_000 },
      });
      env = {
        DATABASE_URL: database.url,
        // Without REDIS_URL, BullMQ runs on its PostgreSQL backend in the service's database.
        ...(backend === 'redis' ? { REDIS_KEY_PREFIX: prefix } : { REDIS_URL: '' }),
        META_GRAPH_URL: meta.url,
        RECOVERY_AFTER_MS: '1500',
        RECOVERY_INTERVAL_MS: '500',
      };
      proxy = await startHoldingProxy(meta.url);
      api = await startTestService({ APP_ROLE: 'api', ...env });
      meta.setWebhookUrl(`${api.url}/v1/webhooks/meta`);
    });
    // Each test ends its workers: on the PostgreSQL backend each holds about 30 connections.
    afterEach(async () => {
      for (const worker of workers.splice(0)) {
        worker.child.kill('SIGKILL');
        await worker.exited;
      }
    });
    afterAll(async () => {
      await api.close();
      await proxy.close();
      await meta.close();
      await database.drop();
    });

    function startWorker(logLevel = 'info', metaUrl = meta.url): RunningProcess {
      const worker = startProcess(
        MAIN_JS,
        [],
        serviceEnv({ APP_ROLE: 'worker', LOG_LEVEL: logLevel, ...env, META_GRAPH_URL: metaUrl }),
      );
      workers.push(worker);
      return worker;
    }

    /** Every job of the outbound queue, and its recurring reconciler, as if the queue had been flushed. */
    async function wipeQueue(): Promise<number> {
      if (backend === 'postgres') {
        const client = new Client({ connectionString: database.url });
        await client.connect();
        try {
          await client.query(`DELETE FROM bullmq.scheduler WHERE queue = 'outbound-messages'`);
          return (await client.query(`DELETE FROM bullmq.job WHERE queue = 'outbound-messages'`)).rowCount ?? 0;
        } finally {
          await client.end();
        }
      }
      const redis = new Redis(run.redisUrl);
      try {
        const keys = await redis.keys(`${prefix}:outbound-messages:*`);
        if (keys.length > 0) {
          await redis.del(...keys);
        }
        return keys.length;
      } finally {
        redis.disconnect();
      }
    }

    let phones = 0;
    /** A live WABA with one phone on the standalone sandbox, connected by a new tenant. */
    async function liveWaba() {
      phones += 1;
      const tenant = await newTenant(api, { mode: 'live' });
      const accessToken = `EAAG-processes-${phones}-${Date.now()}`;
      const metaWaba = meta.createWaba({ name: `Shop ${phones}`, accessToken });
      const metaPhone = meta.createPhoneNumber(metaWaba.id, {
        displayPhoneNumber: `+1 555-700-${String(phones).padStart(4, '0')}`,
        verifiedName: 'Shop',
      });
      const connected = await api.api.POST('/v1/wabas', {
        headers: bearer(tenant.apiKey.key),
        body: { metaWabaId: metaWaba.id, accessToken },
      });
      return {
        key: tenant.apiKey.key,
        phoneNumberId: connected.data!.data.phoneNumbers[0].id,
        metaPhoneId: metaPhone.id,
      };
    }

    const customers = (count: number) =>
      [...new Set(Array.from({ length: count * 2 }, () => `+1555${randomInt(1_000_000, 9_999_999)}`))].slice(0, count);

    const sendBatch = (key: string, phoneNumberId: string, recipients: string[]) =>
      api.api.POST('/v1/messages/batch', {
        headers: bearer(key),
        body: {
          phoneNumberId,
          type: 'template',
          template: { name: 'hello_world', language: { code: 'en_US' } },
          recipients: recipients.map((to) => ({ to })),
        } as never,
      });

    async function workerReady(worker: RunningProcess): Promise<void> {
      await waitFor(
        'the worker to start',
        async () => (/Worker started/.test(worker.output()) ? true : undefined),
        30_000,
      );
    }

    it('sends every accepted message exactly once after its worker is killed mid-batch and the queue is wiped', async () => {
      const { key, phoneNumberId, metaPhoneId } = await liveWaba();
      const batch = await sendBatch(key, phoneNumberId, customers(300));
      expect(batch.data!.data.accepted).toBe(300);
      const messageIds = batch.data!.data.messages.map((message) => message.id);
      const sentCount = () => meta.sentMessages(metaPhoneId).length;

      const first = startWorker();
      await waitFor('the first worker to be mid-batch', async () => (sentCount() >= 60 ? true : undefined), 30_000);
      first.child.kill('SIGKILL');
      await first.exited;
      expect(sentCount()).toBeLessThan(300);
      expect(await wipeQueue()).toBeGreaterThan(0);

      startWorker();
      const done = await waitFor(
        'every message to reach WhatsApp',
        async () => {
          const current = await api.api.GET('/v1/messages/batch/{batchId}', {
            headers: bearer(key),
            params: { path: { batchId: batch.data!.data.id } },
          });
          const counts = current.data!.data.counts;
          return counts.sent + counts.delivered + counts.read === 300 ? counts : undefined;
        },
        60_000,
      );
      expect(done).toMatchObject({ queued: 0, sending: 0, failed: 0, cancelled: 0 });
      const requestsPerMessage = new Map<string, number>();
      for (const sent of meta.sentMessages(metaPhoneId)) {
        const id = String(sent.body.biz_opaque_callback_data);
        requestsPerMessage.set(id, (requestsPerMessage.get(id) ?? 0) + 1);
      }
      expect([...requestsPerMessage.keys()].sort()).toEqual([...messageIds].sort());
      expect([...requestsPerMessage.values()].every((count) => count === 1)).toBe(true);
    }, 120_000);

    it('keeps a message claimed while its media uploads to Meta for longer than RECOVERY_AFTER_MS: sent once', async () => {
      const { key, phoneNumberId, metaPhoneId } = await liveWaba();
      const media = await uploadedMedia(api.url, key);
      // Two customers who wrote first (their messages are ingested by the worker), so images may go to them,
      // in one batch: one send job for both, whose id is not a message's.
      const recipients = customers(2);
      const heldBefore = proxy.held.length;
      proxy.hold((request) => request.method === 'POST' && /\/media$/.test(request.url ?? ''));
      try {
        await workerReady(startWorker('info', proxy.url));
        for (const from of recipients) {
          await meta.simulateInbound({ phoneNumberId: metaPhoneId, from, type: 'text', content: { body: 'hi' } });
        }
        await waitFor('the customers’ messages to be ingested', async () => {
          const inbound = await api.api.GET('/v1/messages', {
            headers: bearer(key),
            params: { query: { direction: 'inbound' } },
          });
          return inbound.data!.data.length === recipients.length ? true : undefined;
        });
        const batch = await api.api.POST('/v1/messages/batch', {
          headers: bearer(key),
          body: {
            phoneNumberId,
            type: 'image',
            image: { id: media.id },
            recipients: recipients.map((to) => ({ to })),
          } as never,
        });
        const messageIds = batch.data!.data.messages.map((message) => message.id);
        expect(messageIds).toHaveLength(2);
        await waitFor('the upload to be under way', async () => (proxy.held.length > heldBefore ? true : undefined));
        // The upload is stuck for three times RECOVERY_AFTER_MS (1.5 s), the reconciler running every 500 ms
        // meanwhile: the messages' claims are renewed, so recovery never takes them for a dead worker's.
        const database = new Client({ connectionString: env.DATABASE_URL });
        await database.connect();
        try {
          const claims = await waitFor(
            'the messages to be sending for 4.5 s',
            async () => {
              const { rows } = await database.query<{ long: boolean; fresh: boolean }>(
                `SELECT bool_and(status = 'sending' AND now() - created_at > interval '4.5 seconds') AS long,
                        bool_and(now() - updated_at < interval '1.5 seconds') AS fresh
                   FROM messages WHERE id = ANY($1::uuid[])`,
                [messageIds],
              );
              return rows[0].long ? rows[0] : undefined;
            },
            15_000,
          );
          expect(claims.fresh).toBe(true);
        } finally {
          await database.end();
        }
        proxy.hold(undefined);
        proxy.held.slice(heldBefore).forEach((request) => request.release());
        const counts = await waitFor('both messages to be sent', async () => {
          const current = await api.api.GET('/v1/messages/batch/{batchId}', {
            headers: bearer(key),
            params: { path: { batchId: batch.data!.data.id } },
          });
          return current.data!.data.counts.sent === 2 ? current.data!.data.counts : undefined;
        });
        expect(counts).toMatchObject({ queued: 0, sending: 0, failed: 0 });
        for (const messageId of messageIds) {
          expect(
            meta.sentMessages(metaPhoneId).filter((request) => request.body.biz_opaque_callback_data === messageId),
          ).toHaveLength(1);
        }
        expect(meta.mediaUploads(metaPhoneId)).toHaveLength(1);
      } finally {
        proxy.hold(undefined);
      }
    }, 60_000);

    it('sends a phone with a backlog at its 80 messages/s from two workers, and serves a second phone alongside', async () => {
      const busy = await liveWaba();
      const quiet = await liveWaba();
      const warmup = await liveWaba();
      // Two workers share the phone: its pace holds across them (their slots are reserved in one place).
      const pair = [startWorker('debug'), startWorker('debug')];
      await Promise.all(pair.map(workerReady));
      // A worker sends its first messages slower (connections to PostgreSQL and Meta are opened then).
      expect((await sendBatch(warmup.key, warmup.phoneNumberId, customers(100))).data!.data.accepted).toBe(100);
      await waitFor(
        'the workers to warm up',
        async () => (meta.sentMessages(warmup.metaPhoneId).length === 100 ? true : undefined),
        30_000,
      );
      const backlog = 400;
      expect((await sendBatch(busy.key, busy.phoneNumberId, customers(backlog))).data!.data.accepted).toBe(backlog);
      expect((await sendBatch(quiet.key, quiet.phoneNumberId, customers(20))).data!.data.accepted).toBe(20);

      const busySent = await waitFor(
        'the busy phone to send its backlog',
        async () =>
          meta.sentMessages(busy.metaPhoneId).length >= backlog ? meta.sentMessages(busy.metaPhoneId) : undefined,
        30_000,
      );
      const times = busySent.map((sent) => sent.receivedAt.getTime()).sort((a, b) => a - b);
      const perSecond = ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
      // 80/s ±10% over the backlog (a worker late by a few ms makes it up within the phone's limit).
      expect(perSecond).toBeGreaterThanOrEqual(72);
      expect(perSecond).toBeLessThanOrEqual(88);
      // Paced right: Meta never had to answer 130429.
      expect(meta.refusedMessages(busy.metaPhoneId)).toEqual([]);

      const quietSent = meta.sentMessages(quiet.metaPhoneId);
      expect(quietSent).toHaveLength(20);
      // The quiet phone did not wait behind the busy one's five seconds of backlog.
      const quietDone = Math.max(...quietSent.map((sent) => sent.receivedAt.getTime()));
      expect(quietDone).toBeLessThan(times[backlog / 2]);
      // Both workers sent some of the backlog.
      const senders = pair.map(
        (worker) => (worker.output().match(/Run of \d+ message\(s\) done: \{\\?"accepted\\?":[1-9]/g) ?? []).length,
      );
      expect(senders.every((runs) => runs > 0)).toBe(true);
      for (const worker of pair) {
        // A backlog longer than RECOVERY_AFTER_MS is not taken for lost jobs (its reconciler ran every 500 ms).
        expect(worker.output()).not.toMatch(/accepted message\(s\) again/);
        worker.child.kill('SIGTERM');
        expect(await worker.exited).toBe(0);
      }
    }, 90_000);
  },
);
