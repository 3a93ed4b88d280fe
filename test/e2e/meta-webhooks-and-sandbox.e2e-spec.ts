import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MetaWebhookEvent } from '../../src/modules/meta-webhooks/meta-webhook-event.entity';
import { bearer, newApiKey, newTenant } from '../helpers/factories';
import { readJson } from '../helpers/http';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { TEST_SECRETS } from '../setup/test-environment';

const sign = (body: string, secret = TEST_SECRETS.META_APP_SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('Meta webhooks and the test-mode sandbox', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.close());

  const events = () => service.context.get(DataSource).getRepository(MetaWebhookEvent);

  describe('GET /v1/webhooks/meta (verification handshake)', () => {
    const verify = (query: string) => fetch(`${service.url}/v1/webhooks/meta?${query}`);

    it('answers the raw challenge for the right verify token', async () => {
      const response = await verify(
        `hub.mode=subscribe&hub.verify_token=${TEST_SECRETS.META_WEBHOOK_VERIFY_TOKEN}&hub.challenge=1158201444`,
      );
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('1158201444');
    });

    it.each([
      ['a wrong verify token', 'hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1'],
      [
        'another mode',
        `hub.mode=unsubscribe&hub.verify_token=${TEST_SECRETS.META_WEBHOOK_VERIFY_TOKEN}&hub.challenge=1`,
      ],
      ['no challenge', `hub.mode=subscribe&hub.verify_token=${TEST_SECRETS.META_WEBHOOK_VERIFY_TOKEN}`],
    ])('refuses %s with 403', async (_case, query) => {
      const response = await verify(query);
      expect(response.status).toBe(403);
      expect((await readJson(response)).error.code).toBe('FORBIDDEN');
    });
  });

  describe('POST /v1/webhooks/meta', () => {
    const payload = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [{ field: 'account_update', value: { event: 'PARTNER_ADDED' } }] }],
    });
    const post = (body: string, signature?: string) =>
      fetch(`${service.url}/v1/webhooks/meta`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
        body,
      });

    it('stores a correctly signed payload as received and acknowledges it', async () => {
      const response = await post(payload, sign(payload));
      expect(response.status).toBe(200);
      const { data } = (await response.json()) as { data: { eventId: string } };
      const stored = await events().findOneByOrFail({ id: data.eventId });
      expect(stored).toMatchObject({ object: 'whatsapp_business_account', payload: JSON.parse(payload) });
      // Then the worker ingests it; an account update is recorded as processed.
      const processed = await waitFor('the event to be processed', async () => {
        const row = await events().findOneByOrFail({ id: data.eventId });
        return row.status === 'received' ? undefined : row;
      });
      expect(processed).toMatchObject({ status: 'processed', error: null, processedAt: expect.any(Date) });
    });

    it('stores payloads arriving together, and one PostgreSQL refuses does not fail the others', async () => {
      const good = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
      // jsonb cannot hold \u0000: this payload is valid JSON that PostgreSQL refuses.
      const poison = '{"object":"whatsapp_business_account","entry":[],"note":"\\u0000"}';
      const [first, bad, second] = await Promise.all([
        post(good, sign(good)),
        post(poison, sign(poison)),
        post(good, sign(good)),
      ]);
      expect([first.status, bad.status, second.status]).toEqual([200, 500, 200]);
      for (const response of [first, second]) {
        const { data } = (await response.json()) as { data: { eventId: string } };
        expect(await events().findOneBy({ id: data.eventId })).not.toBeNull();
      }
    });

    it('checks the signature over the exact bytes: the same JSON re-serialized fails', async () => {
      const spaced = payload.replace(/,/g, ', ');
      expect((await post(spaced, sign(payload))).status).toBe(401);
    });

    it('refuses a missing or wrong signature with 401, stores nothing, and counts it', async () => {
      const before = await events().count();
      const metric = async () => {
        const text = await (await fetch(`${service.url}/metrics`)).text();
        return Number(/^owb_meta_webhook_signature_failures_total (\d+)/m.exec(text)?.[1] ?? 0);
      };
      const failuresBefore = await metric();

      expect((await post(payload)).status).toBe(401);
      expect((await post(payload, sign(payload, 'another-secret'))).status).toBe(401);
      expect((await post(payload, 'sha256=zz')).status).toBe(401);

      expect(await events().count()).toBe(before);
      expect(await metric()).toBe(failuresBefore + 3);
    });
  });

  describe('POST /v1/sandbox/inbound', () => {
    async function sandboxPhone() {
      const tenant = await newTenant(service, { mode: 'test' });
      const wabas = await service.api.GET('/v1/wabas', { headers: bearer(tenant.apiKey.key) });
      return {
        tenant,
        phoneNumberId: wabas.data!.data[0].phoneNumbers[0].id,
        metaPhoneNumberId: wabas.data!.data[0].phoneNumbers[0].metaPhoneNumberId,
      };
    }

    const storedInbound = (messageId: string) =>
      waitFor('the inbound webhook to be stored', async () => {
        const rows: MetaWebhookEvent[] = await events()
          .createQueryBuilder('event')
          .where(`event.payload::text LIKE :id`, { id: `%${messageId}%` })
          .getMany();
        return rows[0];
      });

    it('delivers a text message to our webhook endpoint exactly as Meta would', async () => {
      const { tenant, phoneNumberId, metaPhoneNumberId } = await sandboxPhone();
      const { data, response } = await service.api.POST('/v1/sandbox/inbound', {
        headers: bearer(tenant.apiKey.key),
        body: { phoneNumberId, from: '+15551234567', profileName: 'Ahmed', type: 'text', text: { body: 'hi' } },
      });
      expect(response.status).toBe(202);
      expect(data?.data.messageId).toMatch(/^wamid\./);

      const event = await storedInbound(data!.data.messageId);
      const value = (event.payload as { entry: { changes: { value: Record<string, unknown> }[] }[] }).entry[0]
        .changes[0].value as {
        metadata: { phone_number_id: string };
        contacts: { profile: { name: string }; wa_id?: string }[];
        messages: { from?: string; type: string; text: { body: string } }[];
      };
      expect(value.metadata.phone_number_id).toBe(metaPhoneNumberId);
      expect(value.contacts[0]).toMatchObject({ profile: { name: 'Ahmed' }, wa_id: '15551234567' });
      expect(value.messages[0]).toMatchObject({ from: '15551234567', type: 'text', text: { body: 'hi' } });
    });

    it('carries a BSUID-only customer without a phone number', async () => {
      const { tenant, phoneNumberId } = await sandboxPhone();
      const { data } = await service.api.POST('/v1/sandbox/inbound', {
        headers: bearer(tenant.apiKey.key),
        body: {
          phoneNumberId,
          userId: 'US.13491208655302741918',
          username: 'ahmed.k',
          type: 'location',
          location: { latitude: 52.52, longitude: 13.405, name: 'Office' },
        },
      });
      const event = await storedInbound(data!.data.messageId);
      const value = (event.payload as { entry: { changes: { value: Record<string, unknown> }[] }[] }).entry[0]
        .changes[0].value as { contacts: Record<string, unknown>[]; messages: Record<string, unknown>[] };
      expect(value.contacts[0]).toMatchObject({ user_id: 'US.13491208655302741918', profile: { username: 'ahmed.k' } });
      expect(value.contacts[0]).not.toHaveProperty('wa_id');
      expect(value.messages[0]).toMatchObject({ from_user_id: 'US.13491208655302741918', type: 'location' });
      expect(value.messages[0]).not.toHaveProperty('from');
    });

    it.each([
      ['interactive', { interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } }],
      ['reaction', { reaction: { message_id: 'wamid.HBgLMTU1', emoji: '👍' } }],
      ['contacts', { contacts: [{ name: { formatted_name: 'Sam' }, phones: [{ phone: '+15550001111' }] }] }],
      ['image', { image: { caption: 'receipt' } }],
      ['audio', { audio: { voice: true } }],
      ['video', { video: { caption: 'unboxing' } }],
      ['document', { document: { filename: 'invoice.pdf' } }],
      ['sticker', { sticker: { animated: false } }],
      ['button', { button: { payload: 'STOP', text: 'Stop promotions' }, context: { messageId: 'wamid.HBgLMTU1' } }],
      [
        'order',
        {
          order: {
            catalog_id: '1',
            text: '',
            product_items: [{ product_retailer_id: 'sku-1', quantity: 2, item_price: 9.5, currency: 'USD' }],
          },
        },
      ],
      ['system', { system: { body: 'User changed number', type: 'user_changed_number', wa_id: '15550009999' } }],
      ['unsupported', { unsupported: { type: 'poll' } }],
    ])('accepts an inbound %s with Meta field names', async (type, content) => {
      const { tenant, phoneNumberId } = await sandboxPhone();
      const { response, data } = await service.api.POST('/v1/sandbox/inbound', {
        headers: bearer(tenant.apiKey.key),
        body: { phoneNumberId, from: '+15557654321', type: type as 'text', ...content },
      });
      expect(response.status).toBe(202);
      const event = await storedInbound(data!.data.messageId);
      expect(JSON.stringify(event.payload)).toContain(`"type":"${type}"`);
    });

    it('refuses a message whose content object is missing, naming the field', async () => {
      const { tenant, phoneNumberId } = await sandboxPhone();
      const { error, response } = await service.api.POST('/v1/sandbox/inbound', {
        headers: bearer(tenant.apiKey.key),
        body: { phoneNumberId, from: '+15551234567', type: 'text' },
      });
      expect(response.status).toBe(400);
      expect(error?.error.details).toEqual([{ field: 'text', message: expect.any(String) }]);
    });

    it('is test mode only: a live key is refused with 403', async () => {
      const { tenant, phoneNumberId } = await sandboxPhone();
      const live = await newApiKey(service, tenant.pat, tenant.orgId, { mode: 'live' });
      const { response } = await service.api.POST('/v1/sandbox/inbound', {
        headers: bearer(live.key),
        body: { phoneNumberId, from: '+15551234567', type: 'text', text: { body: 'hi' } },
      });
      expect(response.status).toBe(403);
    });

    it("gets 404 for another organization's sandbox phone", async () => {
      const { phoneNumberId } = await sandboxPhone();
      const stranger = await newTenant(service, { mode: 'test' });
      const { response } = await service.api.POST('/v1/sandbox/inbound', {
        headers: bearer(stranger.apiKey.key),
        body: { phoneNumberId, from: '+15551234567', type: 'text', text: { body: 'hi' } },
      });
      expect(response.status).toBe(404);
    });
  });
});
