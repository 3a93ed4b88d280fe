import { createMetaSandbox, MetaSandbox } from '@libs/meta-sandbox';
import { DataSource } from 'typeorm';
import { PhoneNumber } from '../../src/modules/phone-numbers/phone-number.entity';
import { PhoneNumbersService } from '../../src/modules/phone-numbers/phone-numbers.service';
import { Waba } from '../../src/modules/wabas/waba.entity';
import { bearer, newApiKey, newTenant } from '../helpers/factories';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { TEST_SECRETS } from '../setup/test-environment';

/** Live mode against a standalone sandbox standing in for Meta (META_GRAPH_URL points at it). */
describe('WABAs and phone numbers', () => {
  let meta: MetaSandbox;
  let service: TestService;
  let wabaCounter = 0;

  beforeAll(async () => {
    meta = await createMetaSandbox({
      appSecret: TEST_SECRETS.META_APP_SECRET,
      statusDelaysMs: { sent: 0, delivered: 0, read: 0 },
      templateReviewDelayMs: 0,
    });
    service = await startTestService({ META_GRAPH_URL: meta.url });
    meta.setWebhookUrl(`${service.url}/v1/webhooks/meta`);
  });
  afterAll(async () => {
    await service.close();
    await meta.close();
  });

  /** A WABA at "Meta" with a healthy, an unregistered and a RED-quality number. */
  function metaWaba() {
    wabaCounter += 1;
    const accessToken = `EAAG-test-token-${wabaCounter}-${Date.now()}`;
    const waba = meta.createWaba({ name: `Acme ${wabaCounter}`, accessToken });
    const healthy = meta.createPhoneNumber(waba.id, {
      displayPhoneNumber: `+1 555-100-${String(wabaCounter).padStart(4, '0')}`,
      verifiedName: 'Acme',
      registered: true,
      qualityRating: 'GREEN',
    });
    const unregistered = meta.createPhoneNumber(waba.id, {
      displayPhoneNumber: `+1 555-200-${String(wabaCounter).padStart(4, '0')}`,
      verifiedName: 'Acme',
      registered: false,
      qualityRating: 'GREEN',
    });
    const red = meta.createPhoneNumber(waba.id, {
      displayPhoneNumber: `+1 555-300-${String(wabaCounter).padStart(4, '0')}`,
      verifiedName: 'Acme',
      registered: true,
      qualityRating: 'RED',
    });
    return { metaWabaId: waba.id, accessToken, healthy, unregistered, red };
  }

  async function connected(tenantKey: string) {
    const account = metaWaba();
    const { data, error } = await service.api.POST('/v1/wabas', {
      headers: bearer(tenantKey),
      body: { metaWabaId: account.metaWabaId, accessToken: account.accessToken },
    });
    if (!data) {
      throw new Error(`connect failed: ${JSON.stringify(error)}`);
    }
    const byMetaId = (metaId: string) => data.data.phoneNumbers.find((p) => p.metaPhoneNumberId === metaId)!.id;
    return {
      ...account,
      waba: data.data,
      phoneIds: {
        healthy: byMetaId(account.healthy.id),
        unregistered: byMetaId(account.unregistered.id),
        red: byMetaId(account.red.id),
      },
    };
  }

  const health = (key: string, phoneNumberId: string) =>
    service.api.GET('/v1/phone-numbers/{phoneNumberId}/health', {
      headers: bearer(key),
      params: { path: { phoneNumberId } },
    });

  describe('connecting a live WABA', () => {
    it('checks the token, imports the phone numbers and never echoes the token', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const account = metaWaba();
      const response = await fetch(`${service.url}/v1/wabas`, {
        method: 'POST',
        headers: { ...bearer(tenant.apiKey.key), 'content-type': 'application/json' },
        body: JSON.stringify({ metaWabaId: account.metaWabaId, accessToken: account.accessToken }),
      });
      const text = await response.text();
      expect(response.status).toBe(201);
      expect(text).not.toContain(account.accessToken);
      const waba = JSON.parse(text).data;
      expect(waba).toMatchObject({
        metaWabaId: account.metaWabaId,
        mode: 'live',
        isSandbox: false,
        status: 'connected',
      });
      expect(waba.phoneNumbers.map((p: { metaPhoneNumberId: string }) => p.metaPhoneNumberId).sort()).toEqual(
        [account.healthy.id, account.unregistered.id, account.red.id].sort(),
      );

      const stored = await service.context.get(DataSource).getRepository(Waba).findOneByOrFail({ id: waba.id });
      expect(stored.accessTokenSealed).not.toContain(account.accessToken);

      const listed = await service.api.GET('/v1/phone-numbers', {
        headers: bearer(tenant.apiKey.key),
        params: { query: { wabaId: waba.id } },
      });
      const healthy = listed.data!.data.find((p) => p.metaPhoneNumberId === account.healthy.id)!;
      expect(healthy).toMatchObject({
        displayPhoneNumber: account.healthy.displayPhoneNumber,
        verifiedName: 'Acme',
        mode: 'live',
        qualityRating: 'GREEN',
        registrationState: 'registered',
        throughputPerSecond: 80,
        status: 'active',
      });
      expect(JSON.stringify(listed.data)).not.toContain(account.accessToken);
    });

    it('refuses a token Meta rejects with VALIDATION_ERROR on accessToken, storing nothing', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const account = metaWaba();
      const { error, response } = await service.api.POST('/v1/wabas', {
        headers: bearer(tenant.apiKey.key),
        body: { metaWabaId: account.metaWabaId, accessToken: 'EAAG-wrong' },
      });
      expect(response.status).toBe(400);
      expect(error?.error.details).toEqual([{ field: 'accessToken', message: expect.stringMatching(/Meta error/) }]);
      const wabas = await service.api.GET('/v1/wabas', { headers: bearer(tenant.apiKey.key) });
      expect(wabas.data?.data).toEqual([]);
    });

    it('validates the request body', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const { error, response } = await service.api.POST('/v1/wabas', {
        headers: bearer(tenant.apiKey.key),
        body: { metaWabaId: 'not-digits', accessToken: '' },
      });
      expect(response.status).toBe(400);
      expect(error?.error.details?.map((d) => d.field).sort()).toEqual(['accessToken', 'metaWabaId']);
    });

    it('refuses to connect a WABA that is already connected, here or elsewhere, with 409', async () => {
      const first = await newTenant(service, { mode: 'live' });
      const other = await newTenant(service, { mode: 'live' });
      const account = await connected(first.apiKey.key);
      for (const key of [first.apiKey.key, other.apiKey.key]) {
        const { error, response } = await service.api.POST('/v1/wabas', {
          headers: bearer(key),
          body: { metaWabaId: account.metaWabaId, accessToken: account.accessToken },
        });
        expect(response.status).toBe(409);
        expect(error?.error.code).toBe('CONFLICT');
      }
    });

    it('needs the wabas:write scope', async () => {
      const tenant = await newTenant(service, { mode: 'live', scopes: ['wabas:read'] });
      const account = metaWaba();
      const { response } = await service.api.POST('/v1/wabas', {
        headers: bearer(tenant.apiKey.key),
        body: { metaWabaId: account.metaWabaId, accessToken: account.accessToken },
      });
      expect(response.status).toBe(403);
    });
  });

  describe('phone number health', () => {
    it('reports every capability for a registered, healthy number', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const account = await connected(tenant.apiKey.key);
      const { data } = await health(tenant.apiKey.key, account.phoneIds.healthy);
      expect(data?.data).toMatchObject({
        capabilities: { canReceiveMessages: true, canSendMessages: true, canSendTemplates: true },
        reasons: [],
        qualityRating: 'GREEN',
      });
    });

    it('reports nothing possible for an unregistered number, and why', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const account = await connected(tenant.apiKey.key);
      const { data } = await health(tenant.apiKey.key, account.phoneIds.unregistered);
      expect(data?.data.capabilities).toEqual({
        canReceiveMessages: false,
        canSendMessages: false,
        canSendTemplates: false,
      });
      expect(data?.data.reasons).toEqual([expect.objectContaining({ code: 'NOT_REGISTERED' })]);
    });

    it('holds templates back for a RED-quality number, and says so', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const account = await connected(tenant.apiKey.key);
      const { data } = await health(tenant.apiKey.key, account.phoneIds.red);
      expect(data?.data.capabilities).toEqual({
        canReceiveMessages: true,
        canSendMessages: true,
        canSendTemplates: false,
      });
      expect(data?.data.reasons).toEqual([
        expect.objectContaining({ code: 'QUALITY_LOW', capabilities: ['canSendTemplates'] }),
      ]);
    });

    it('queues one resync for many health calls, and the snapshot follows Meta', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const account = await connected(tenant.apiKey.key);
      meta.updatePhoneNumber(account.healthy.id, { qualityRating: 'YELLOW' });

      const answers = await Promise.all(
        Array.from({ length: 10 }, () => health(tenant.apiKey.key, account.phoneIds.healthy)),
      );
      const jobIds = new Set(answers.map((answer) => answer.data!.data.resync.jobId));
      expect(jobIds.size).toBe(1);

      await waitFor('the resync to store the new quality rating', async () => {
        const phone = await service.api.GET('/v1/phone-numbers/{phoneNumberId}', {
          headers: bearer(tenant.apiKey.key),
          params: { path: { phoneNumberId: account.phoneIds.healthy } },
        });
        return phone.data?.data.qualityRating === 'YELLOW' ? true : undefined;
      });
    });

    it('resyncs stale phones on schedule', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const account = await connected(tenant.apiKey.key);
      const phones = service.context.get(DataSource).getRepository(PhoneNumber);
      const longAgo = new Date(Date.now() - 7 * 24 * 3600 * 1000);
      await phones.update({ id: account.phoneIds.red }, { lastSyncedAt: longAgo });
      meta.updatePhoneNumber(account.red.id, { qualityRating: 'GREEN' });

      expect(await service.context.get(PhoneNumbersService).resyncStale()).toBeGreaterThanOrEqual(1);
      await waitFor('the stale phone to be resynced', async () => {
        const phone = await phones.findOneByOrFail({ id: account.phoneIds.red });
        return phone.lastSyncedAt! > longAgo && phone.qualityRating === 'GREEN' ? true : undefined;
      });
    });

    it('registers a number with its PIN, after which it can message', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const account = await connected(tenant.apiKey.key);
      const bad = await service.api.POST('/v1/phone-numbers/{phoneNumberId}/register', {
        headers: bearer(tenant.apiKey.key),
        params: { path: { phoneNumberId: account.phoneIds.unregistered } },
        body: { pin: '12' },
      });
      expect(bad.response.status).toBe(400);

      const registered = await service.api.POST('/v1/phone-numbers/{phoneNumberId}/register', {
        headers: bearer(tenant.apiKey.key),
        params: { path: { phoneNumberId: account.phoneIds.unregistered } },
        body: { pin: '123456' },
      });
      expect(registered.data?.data.registrationState).toBe('registered');
      const { data } = await health(tenant.apiKey.key, account.phoneIds.unregistered);
      expect(data?.data.capabilities.canSendMessages).toBe(true);
    });
  });

  it('disconnecting a WABA stops its phones and keeps their history', async () => {
    const tenant = await newTenant(service, { mode: 'live' });
    const account = await connected(tenant.apiKey.key);
    const disconnected = await service.api.DELETE('/v1/wabas/{wabaId}', {
      headers: bearer(tenant.apiKey.key),
      params: { path: { wabaId: account.waba.id } },
    });
    expect(disconnected.data?.data).toMatchObject({ status: 'disconnected', disconnectedAt: expect.any(String) });

    const phone = await service.api.GET('/v1/phone-numbers/{phoneNumberId}', {
      headers: bearer(tenant.apiKey.key),
      params: { path: { phoneNumberId: account.phoneIds.healthy } },
    });
    expect(phone.data?.data.status).toBe('disconnected');
    const { data } = await health(tenant.apiKey.key, account.phoneIds.healthy);
    expect(data?.data.capabilities).toEqual({
      canReceiveMessages: false,
      canSendMessages: false,
      canSendTemplates: false,
    });
    expect(data?.data.reasons.map((r) => r.code)).toContain('WABA_DISCONNECTED');

    // The WABA can be connected again afterwards.
    const again = await service.api.POST('/v1/wabas', {
      headers: bearer(tenant.apiKey.key),
      body: { metaWabaId: account.metaWabaId, accessToken: account.accessToken },
    });
    expect(again.response.status).toBe(201);
  });

  describe('test mode', () => {
    it('gives every new organization a sandbox WABA with a registered, healthy phone, seen only by test keys', async () => {
      const tenant = await newTenant(service, { mode: 'test' });
      const live = await newApiKey(service, tenant.pat, tenant.orgId, { mode: 'live' });

      const testWabas = await service.api.GET('/v1/wabas', { headers: bearer(tenant.apiKey.key) });
      expect(testWabas.data?.data).toHaveLength(1);
      const sandboxWaba = testWabas.data!.data[0];
      expect(sandboxWaba).toMatchObject({ isSandbox: true, mode: 'test', status: 'connected' });
      expect(sandboxWaba.phoneNumbers).toHaveLength(1);

      const phoneId = sandboxWaba.phoneNumbers[0].id;
      const { data } = await health(tenant.apiKey.key, phoneId);
      expect(data?.data.capabilities).toEqual({
        canReceiveMessages: true,
        canSendMessages: true,
        canSendTemplates: true,
      });

      // The live key sees none of it.
      expect((await service.api.GET('/v1/wabas', { headers: bearer(live.key) })).data?.data).toEqual([]);
      const hidden = await service.api.GET('/v1/wabas/{wabaId}', {
        headers: bearer(live.key),
        params: { path: { wabaId: sandboxWaba.id } },
      });
      expect(hidden.response.status).toBe(404);
      const hiddenPhone = await health(live.key, phoneId);
      expect(hiddenPhone.response.status).toBe(404);
    });

    it('keeps live WABAs away from test keys', async () => {
      const tenant = await newTenant(service, { mode: 'live' });
      const account = await connected(tenant.apiKey.key);
      const testKey = await newApiKey(service, tenant.pat, tenant.orgId, { mode: 'test' });
      const hidden = await service.api.GET('/v1/wabas/{wabaId}', {
        headers: bearer(testKey.key),
        params: { path: { wabaId: account.waba.id } },
      });
      expect(hidden.response.status).toBe(404);
      const phones = await service.api.GET('/v1/phone-numbers', { headers: bearer(testKey.key) });
      expect(phones.data?.data.map((p) => p.mode)).toEqual(['test']);
    });

    it('refuses to disconnect the sandbox WABA', async () => {
      const tenant = await newTenant(service, { mode: 'test' });
      const wabas = await service.api.GET('/v1/wabas', { headers: bearer(tenant.apiKey.key) });
      const { response } = await service.api.DELETE('/v1/wabas/{wabaId}', {
        headers: bearer(tenant.apiKey.key),
        params: { path: { wabaId: wabas.data!.data[0].id } },
      });
      expect(response.status).toBe(409);
    });
  });

  describe('another organization', () => {
    it('gets 404 for every WABA and phone-number route', async () => {
      const owner = await newTenant(service, { mode: 'live' });
      const stranger = await newTenant(service, { mode: 'live' });
      const account = await connected(owner.apiKey.key);
      const key = bearer(stranger.apiKey.key);
      const wabaPath = { path: { wabaId: account.waba.id } };
      const phonePath = { path: { phoneNumberId: account.phoneIds.healthy } };

      const results = await Promise.all([
        service.api.GET('/v1/wabas/{wabaId}', { headers: key, params: wabaPath }),
        service.api.DELETE('/v1/wabas/{wabaId}', { headers: key, params: wabaPath }),
        service.api.GET('/v1/phone-numbers/{phoneNumberId}', { headers: key, params: phonePath }),
        service.api.GET('/v1/phone-numbers/{phoneNumberId}/health', { headers: key, params: phonePath }),
        service.api.POST('/v1/phone-numbers/{phoneNumberId}/register', {
          headers: key,
          params: phonePath,
          body: { pin: '123456' },
        }),
      ]);
      for (const result of results) {
        expect(result.response.status).toBe(404);
        expect(result.error?.error.code).toBe('NOT_FOUND');
      }
      const still = await service.api.GET('/v1/wabas/{wabaId}', {
        headers: bearer(owner.apiKey.key),
        params: wabaPath,
      });
      expect(still.data?.data.status).toBe('connected');
      const listed = await service.api.GET('/v1/phone-numbers', {
        headers: key,
        params: { query: { wabaId: account.waba.id } },
      });
      expect(listed.data?.data).toEqual([]);
    });
  });
});
