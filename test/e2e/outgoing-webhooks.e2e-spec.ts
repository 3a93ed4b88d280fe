import { verify, WebhookVerificationError } from '@libs/webhook-signature';
import { randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { newId } from '../../src/common/ids';
import { SECRET_BOX } from '../../src/modules/meta/meta.constants';
import { recordEvent } from '../../src/modules/events/record-event';
import { bearer, newTenant } from '../helpers/factories';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { ReceivedWebhook, WebhookInbox } from '../helpers/webhook-inbox';

const LOCAL = { OUTGOING_WEBHOOKS_ALLOW_PRIVATE_URLS: 'true', OUTGOING_WEBHOOKS_ALLOW_HTTP: 'true' };
/** A compressed clock: the production schedule's shape in milliseconds. */
const FAST_RETRIES = { OUTGOING_WEBHOOK_RETRY_SCHEDULE: '0,100,200,400', OUTGOING_WEBHOOK_TIMEOUT_MS: '3000' };

type Service = TestService;

async function tenantOf(service: Service) {
  const tenant = await newTenant(service, { mode: 'test' });
  const wabas = await service.api.GET('/v1/wabas', { headers: bearer(tenant.apiKey.key) });
  return { ...tenant, key: tenant.apiKey.key, phoneNumberId: wabas.data!.data[0].phoneNumbers[0].id };
}

async function endpoint(service: Service, key: string, url: string, events: string[] = ['*']) {
  const { data, error } = await service.api.POST('/v1/outgoing-webhooks', {
    headers: bearer(key),
    body: { url, events },
  });
  if (!data) {
    throw new Error(`endpoint not created: ${JSON.stringify(error)}`);
  }
  return data.data;
}

const customerPhone = () => `+1555${randomInt(1_000_000, 9_999_999)}`;
const newContact = (service: Service, key: string) =>
  service.api.POST('/v1/contacts', { headers: bearer(key), body: { phone: customerPhone(), name: 'Webhook test' } });
const bodyOf = (webhook: ReceivedWebhook) => webhook.raw.toString('utf8');

describe('Outgoing webhooks', () => {
  let service: Service;
  let inbox: WebhookInbox;

  beforeAll(async () => {
    service = await startTestService({ ...LOCAL, ...FAST_RETRIES });
  });
  beforeEach(async () => {
    inbox = await WebhookInbox.start();
  });
  afterEach(() => inbox.close());
  afterAll(() => service.close());

  describe('endpoints', () => {
    it('creates an endpoint with a whsec_ secret shown once, lists, updates and deletes it', async () => {
      const { key } = await tenantOf(service);
      const created = await service.api.POST('/v1/outgoing-webhooks', {
        headers: bearer(key),
        body: { url: inbox.url, events: ['message.*', 'contact.created'], description: 'CRM' },
      });
      expect(created.response.status).toBe(201);
      expect(created.data!.data).toMatchObject({
        url: inbox.url,
        events: ['message.*', 'contact.created'],
        enabled: true,
        mode: 'test',
      });
      expect(created.data!.data.secret).toMatch(/^whsec_/);
      const id = created.data!.data.id;

      const fetched = await service.api.GET('/v1/outgoing-webhooks/{endpointId}', {
        headers: bearer(key),
        params: { path: { endpointId: id } },
      });
      expect(fetched.data!.data).not.toHaveProperty('secret');
      const listed = await service.api.GET('/v1/outgoing-webhooks', { headers: bearer(key) });
      expect(listed.data!.data.map((item) => item.id)).toEqual([id]);
      const patched = await service.api.PATCH('/v1/outgoing-webhooks/{endpointId}', {
        headers: bearer(key),
        params: { path: { endpointId: id } },
        body: { events: ['*'], enabled: false },
      });
      expect(patched.data!.data).toMatchObject({ events: ['*'], enabled: false });
      const deleted = await service.api.DELETE('/v1/outgoing-webhooks/{endpointId}', {
        headers: bearer(key),
        params: { path: { endpointId: id } },
      });
      expect(deleted.response.status).toBe(204);
      expect((await service.api.GET('/v1/outgoing-webhooks', { headers: bearer(key) })).data!.data).toEqual([]);
    });

    it.each([
      ['a relative URL', { url: '/hooks', events: ['*'] }, 'url'],
      ['an ftp URL', { url: 'ftp://example.com/x', events: ['*'] }, 'url'],
      ['credentials in the URL', { url: 'http://user:pw@127.0.0.1/x', events: ['*'] }, 'url'],
      ['an unknown event type', { url: 'http://127.0.0.1/x', events: ['message.exploded'] }, 'events'],
      ['no events', { url: 'http://127.0.0.1/x', events: [] }, 'events'],
    ])('refuses %s with VALIDATION_ERROR and creates nothing', async (_case, body, field) => {
      const { key } = await tenantOf(service);
      const result = await service.api.POST('/v1/outgoing-webhooks', { headers: bearer(key), body });
      expect(result.response.status).toBe(400);
      expect(result.error!.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect((await service.api.GET('/v1/outgoing-webhooks', { headers: bearer(key) })).data!.data).toEqual([]);
    });

    it('gives another organization 404 on every endpoint route', async () => {
      const owner = await tenantOf(service);
      const other = await tenantOf(service);
      const { id } = await endpoint(service, owner.key, inbox.url);
      const path = { params: { path: { endpointId: id } }, headers: bearer(other.key) };
      const statuses = [
        (await service.api.GET('/v1/outgoing-webhooks/{endpointId}', path)).response.status,
        (await service.api.PATCH('/v1/outgoing-webhooks/{endpointId}', { ...path, body: { enabled: false } })).response
          .status,
        (await service.api.DELETE('/v1/outgoing-webhooks/{endpointId}', path)).response.status,
        (await service.api.POST('/v1/outgoing-webhooks/{endpointId}/rotate-secret', path)).response.status,
        (await service.api.POST('/v1/outgoing-webhooks/{endpointId}/test', path)).response.status,
        (await service.api.GET('/v1/outgoing-webhooks/{endpointId}/deliveries', path)).response.status,
        (
          await service.api.POST('/v1/outgoing-webhooks/{endpointId}/replay', {
            ...path,
            body: { since: new Date(0).toISOString() },
          })
        ).response.status,
        (
          await service.api.POST('/v1/outgoing-webhooks/{endpointId}/deliveries/{deliveryId}/retry', {
            params: { path: { endpointId: id, deliveryId: newId() } },
            headers: bearer(other.key),
          })
        ).response.status,
      ];
      expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 404, 404]);
      // Events are the organization's own too.
      await newContact(service, owner.key);
      const ownerEvents = await service.api.GET('/v1/events', { headers: bearer(owner.key) });
      const eventId = ownerEvents.data!.data[0].id;
      const foreign = await service.api.GET('/v1/events/{eventId}', {
        headers: bearer(other.key),
        params: { path: { eventId } },
      });
      expect(foreign.response.status).toBe(404);
      const theirs = await service.api.GET('/v1/events', { headers: bearer(other.key) });
      expect(theirs.data!.data.map((event) => event.id)).not.toContain(eventId);
    });
  });

  describe('delivery', () => {
    it('delivers inbound events signed per Standard Webhooks, with the contact to reply to', async () => {
      const { key, phoneNumberId } = await tenantOf(service);
      const { secret } = await endpoint(service, key, inbox.url, ['message.*', 'conversation.created', 'contact.*']);
      const from = customerPhone();
      const sent = await service.api.POST('/v1/sandbox/inbound', {
        headers: bearer(key),
        body: { phoneNumberId, from, profileName: 'Ahmed', type: 'text', text: { body: 'hello' } },
      });
      const received = await inbox.next('message.received', (webhook) => webhook.body?.type === 'message.received');
      expect(() => verify(secret, received.headers as never, bodyOf(received))).not.toThrow();
      expect(() =>
        verify('whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=', received.headers as never, bodyOf(received)),
      ).toThrow(WebhookVerificationError);
      expect(received.headers['webhook-id']).toBe(received.body.id);
      expect(received.body).toMatchObject({
        type: 'message.received',
        livemode: false,
        sequence: 1,
        data: {
          direction: 'inbound',
          waMessageId: sent.data!.data.messageId,
          contactIdentifier: expect.any(String),
          contactReplyTo: from,
        },
      });
      await inbox.next('conversation.created', (webhook) => webhook.body?.type === 'conversation.created');
      await inbox.next('contact.created', (webhook) => webhook.body?.type === 'contact.created');

      const events = await service.api.GET('/v1/events', {
        headers: bearer(key),
        params: { query: { type: 'message.*' } },
      });
      expect(events.data!.data.map((event) => event.id)).toContain(received.body.id);
      const one = await service.api.GET('/v1/events/{eventId}', {
        headers: bearer(key),
        params: { path: { eventId: received.body.id } },
      });
      expect(one.data!.data).toEqual(received.body);
    });

    it('signs with both secrets for a day after a rotation', async () => {
      const { key } = await tenantOf(service);
      const { id, secret: oldSecret } = await endpoint(service, key, inbox.url, ['contact.*']);
      const rotated = await service.api.POST('/v1/outgoing-webhooks/{endpointId}/rotate-secret', {
        headers: bearer(key),
        params: { path: { endpointId: id } },
      });
      const newSecret = rotated.data!.data.secret;
      expect(newSecret).not.toBe(oldSecret);
      expect(new Date(rotated.data!.data.previousSecretExpiresAt!).getTime()).toBeGreaterThan(
        Date.now() + 23 * 3600_000,
      );
      await newContact(service, key);
      const webhook = await inbox.next('contact.created', (candidate) => candidate.body?.type === 'contact.created');
      expect(String(webhook.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(() => verify(oldSecret, webhook.headers as never, bodyOf(webhook))).not.toThrow();
      expect(() => verify(newSecret, webhook.headers as never, bodyOf(webhook))).not.toThrow();
    });

    it('retries a failing receiver on the schedule, then records the success', async () => {
      const { key } = await tenantOf(service);
      const { id } = await endpoint(service, key, inbox.url, ['contact.created']);
      inbox.failNext(2);
      await newContact(service, key);
      await inbox.next('the third attempt', (webhook) => webhook.body?.type === 'contact.created');
      const [first, second, third] = inbox.arrivals;
      // Schedule 0, 100, 200 ms with ±10 % jitter.
      expect(second - first).toBeGreaterThanOrEqual(90);
      expect(third - second).toBeGreaterThanOrEqual(180);
      const delivery = await waitFor('the delivery to be recorded', async () => {
        const list = await service.api.GET('/v1/outgoing-webhooks/{endpointId}/deliveries', {
          headers: bearer(key),
          params: { path: { endpointId: id } },
        });
        const [latest] = list.data!.data;
        return latest?.status === 'succeeded' ? latest : undefined;
      });
      expect(delivery).toMatchObject({ attempts: 3, lastStatusCode: 200, trigger: 'event', nextAttemptAt: null });
      expect(delivery.lastDurationMs).toEqual(expect.any(Number));
    });

    it('gives up after the last scheduled attempt, and a manual retry delivers it', async () => {
      const { key } = await tenantOf(service);
      const { id } = await endpoint(service, key, inbox.url, ['contact.created']);
      inbox.failNext(4);
      await newContact(service, key);
      const failed = await waitFor('the delivery to fail', async () => {
        const list = await service.api.GET('/v1/outgoing-webhooks/{endpointId}/deliveries', {
          headers: bearer(key),
          params: { path: { endpointId: id } },
        });
        return list.data!.data[0]?.status === 'failed' ? list.data!.data[0] : undefined;
      });
      expect(failed).toMatchObject({ attempts: 4, lastStatusCode: 500, nextAttemptAt: null });
      const retry = await service.api.POST('/v1/outgoing-webhooks/{endpointId}/deliveries/{deliveryId}/retry', {
        headers: bearer(key),
        params: { path: { endpointId: id, deliveryId: failed.id } },
      });
      expect(retry.response.status).toBe(202);
      expect(retry.data!.data).toMatchObject({ trigger: 'retry', eventId: failed.eventId });
      const webhook = await inbox.next('the manual retry', (candidate) => candidate.body?.id === failed.eventId);
      expect(webhook.headers['webhook-id']).toBe(failed.eventId);
    });

    it('disables an endpoint that answers 410 Gone, and records why', async () => {
      const { key } = await tenantOf(service);
      const { id } = await endpoint(service, key, inbox.url, ['contact.created']);
      inbox.mode = 'gone';
      await newContact(service, key);
      const disabled = await waitFor('the endpoint to be disabled', async () => {
        const result = await service.api.GET('/v1/outgoing-webhooks/{endpointId}', {
          headers: bearer(key),
          params: { path: { endpointId: id } },
        });
        return result.data!.data.enabled ? undefined : result.data!.data;
      });
      expect(disabled.disabledReason).toBe('gone');
      expect(inbox.arrivals).toHaveLength(1);
      const events = await service.api.GET('/v1/events', {
        headers: bearer(key),
        params: { query: { type: 'webhook_endpoint.disabled' } },
      });
      expect(events.data!.data[0].data).toMatchObject({ endpointId: id, reason: 'gone' });
    });

    it('replays the events since a time', async () => {
      const { key } = await tenantOf(service);
      const { id } = await endpoint(service, key, inbox.url, ['contact.created']);
      const since = new Date(Date.now() - 1000).toISOString();
      await newContact(service, key);
      await newContact(service, key);
      await waitFor('two deliveries', async () => (inbox.received.length >= 2 ? true : undefined));
      const replay = await service.api.POST('/v1/outgoing-webhooks/{endpointId}/replay', {
        headers: bearer(key),
        params: { path: { endpointId: id } },
        body: { since },
      });
      expect(replay.data!.data.deliveries).toBe(2);
      await waitFor('the replayed deliveries', async () => (inbox.received.length >= 4 ? true : undefined));
      const ids = inbox.received.map((webhook) => webhook.body.id as string);
      expect(new Set(ids).size).toBe(2);
    });

    it('sends a synchronous test event and reports the answer', async () => {
      const { key } = await tenantOf(service);
      const { id } = await endpoint(service, key, inbox.url, ['message.*']);
      const result = await service.api.POST('/v1/outgoing-webhooks/{endpointId}/test', {
        headers: bearer(key),
        params: { path: { endpointId: id } },
      });
      expect(result.data!.data).toMatchObject({ success: true, statusCode: 200, error: null });
      expect(inbox.received[0].body).toMatchObject({ type: 'webhook.test', id: result.data!.data.eventId });
      inbox.mode = 'gone';
      const gone = await service.api.POST('/v1/outgoing-webhooks/{endpointId}/test', {
        headers: bearer(key),
        params: { path: { endpointId: id } },
      });
      expect(gone.data!.data).toMatchObject({ success: false, statusCode: 410 });
    });

    it('keeps a hanging receiver from slowing a healthy one', async () => {
      const { key } = await tenantOf(service);
      const hanging = await WebhookInbox.start();
      hanging.mode = 'hang';
      try {
        await endpoint(service, key, hanging.url, ['contact.created']);
        await endpoint(service, key, inbox.url, ['contact.created']);
        const started = Date.now();
        await Promise.all(Array.from({ length: 20 }, () => newContact(service, key)));
        await waitFor('all 20 events at the healthy receiver', async () =>
          inbox.received.length >= 20 ? true : undefined,
        );
        const elapsed = Date.now() - started;
        // The hanging receiver holds its attempts for the whole 3 s timeout; the healthy one must not wait for them.
        expect(elapsed).toBeLessThan(3000);
        expect(hanging.arrivals.length).toBeGreaterThan(0);
      } finally {
        await hanging.close();
      }
    });

    it('loses no committed event when the process dies before fan-out or the queue loses a delivery', async () => {
      const { key, orgId } = await tenantOf(service);
      await endpoint(service, key, inbox.url, ['contact.updated']);
      const dataSource = service.context.get(DataSource);
      // Committed with its change, but no fan-out was ever asked for (the process died right after).
      const eventId = await dataSource.transaction((manager) =>
        recordEvent(manager, {
          organizationId: orgId,
          livemode: false,
          type: 'contact.updated',
          data: { simulated: true },
        }),
      );
      const webhook = await inbox.next('the swept event', (candidate) => candidate.body?.id === eventId, 15_000);
      expect(webhook.body.data).toEqual({ simulated: true });
    });
  });

  it('delivers an attempt whose queued job was lost (queue flushed, worker killed)', async () => {
    const { key, orgId } = await tenantOf(service);
    const { id: endpointId } = await endpoint(service, key, inbox.url, ['contact.updated']);
    const dataSource = service.context.get(DataSource);
    const eventId = await dataSource.transaction((manager) =>
      recordEvent(manager, { organizationId: orgId, livemode: false, type: 'contact.updated', data: { lost: true } }),
    );
    // Fanned out and due two minutes ago, but its job is gone.
    await dataSource.query(`DELETE FROM undispatched_events WHERE event_id = $1`, [eventId]);
    await dataSource.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, trigger, status, next_attempt_at)
       VALUES ($1, $2, $3, 'event', 'pending', now() - interval '2 minutes')`,
      [newId(), endpointId, eventId],
    );
    const webhook = await inbox.next('the requeued delivery', (candidate) => candidate.body?.id === eventId, 15_000);
    expect(webhook.body.data).toEqual({ lost: true });
  });

  describe('an endpoint that keeps failing', () => {
    let impatient: Service;
    beforeAll(async () => {
      // "5 days" compressed to 300 ms: the clock starts at the first failure.
      impatient = await startTestService({ ...LOCAL, ...FAST_RETRIES, OUTGOING_WEBHOOK_DISABLE_AFTER_MS: '300' });
    });
    afterAll(() => impatient.close());

    it('is disabled once it has failed for the configured time, with an event saying so', async () => {
      const { key } = await tenantOf(impatient);
      const { id } = await endpoint(impatient, key, inbox.url, ['contact.created']);
      inbox.failNext(100);
      await newContact(impatient, key);
      const disabled = await waitFor('the endpoint to be disabled', async () => {
        const result = await impatient.api.GET('/v1/outgoing-webhooks/{endpointId}', {
          headers: bearer(key),
          params: { path: { endpointId: id } },
        });
        return result.data!.data.enabled ? undefined : result.data!.data;
      });
      expect(disabled).toMatchObject({ disabledReason: 'failing', failingSince: expect.any(String) });
      const events = await impatient.api.GET('/v1/events', {
        headers: bearer(key),
        params: { query: { type: 'webhook_endpoint.disabled' } },
      });
      expect(events.data!.data[0].data).toMatchObject({ endpointId: id, reason: 'failing' });
      const reenabled = await impatient.api.PATCH('/v1/outgoing-webhooks/{endpointId}', {
        headers: bearer(key),
        params: { path: { endpointId: id } },
        body: { enabled: true },
      });
      expect(reenabled.data!.data).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    });
  });

  describe('SSRF protection', () => {
    let strict: Service;
    beforeAll(async () => {
      strict = await startTestService({ OUTGOING_WEBHOOKS_ALLOW_HTTP: 'true', ...FAST_RETRIES });
    });
    afterAll(() => strict.close());

    it.each([
      'http://127.0.0.1:9/hook',
      'http://localhost:9/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:9/x',
      'http://10.1.2.3/x',
      'http://192.168.0.10/x',
    ])('refuses %s at creation', async (url) => {
      const { key } = await tenantOf(strict);
      const result = await strict.api.POST('/v1/outgoing-webhooks', {
        headers: bearer(key),
        body: { url, events: ['*'] },
      });
      expect(result.response.status).toBe(400);
      expect(result.error!.error.details![0]).toMatchObject({
        field: 'url',
        message: expect.stringContaining('public'),
      });
    });

    it('refuses at connect time a host that now resolves to a private address (DNS rebinding)', async () => {
      const { key, orgId } = await tenantOf(strict);
      const dataSource = strict.context.get(DataSource);
      // As if the name resolved publicly when the endpoint was created and points inside now.
      const endpointId = newId();
      const secretBox = strict.context.get<SecretBox>(SECRET_BOX);
      await dataSource.query(
        `INSERT INTO webhook_endpoints (id, organization_id, livemode, url, event_types, enabled, secret_sealed)
         VALUES ($1, $2, false, $3, '{contact.created}', true, $4)`,
        [
          endpointId,
          orgId,
          inbox.url.replace('127.0.0.1', 'localhost'),
          secretBox.seal('whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo='),
        ],
      );
      await newContact(strict, key);
      const delivery = await waitFor('the refused attempt', async () => {
        const list = await strict.api.GET('/v1/outgoing-webhooks/{endpointId}/deliveries', {
          headers: bearer(key),
          params: { path: { endpointId } },
        });
        return list.data?.data[0]?.lastError ? list.data.data[0] : undefined;
      });
      expect(delivery.lastError).toContain('private address');
      expect(inbox.arrivals).toHaveLength(0);
    });
  });
});
