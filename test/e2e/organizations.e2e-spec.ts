import { bearer, newApiKey, newOrganization, newTenant, newUser, patHeaders } from '../helpers/factories';
import { startTestService, TestService } from '../helpers/test-service';

describe('Organizations and API keys', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.close());

  it('creates an organization with the caller as owner and lists and gets it', async () => {
    const user = await newUser(service);
    const created = await service.api.POST('/v1/organizations', {
      headers: patHeaders(user.pat),
      body: { name: '  Acme Support  ' },
    });
    expect(created.response.status).toBe(201);
    expect(created.data?.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Acme Support',
      role: 'owner',
      createdAt: expect.any(String),
    });
    const orgId = created.data!.data.id;

    const listed = await service.api.GET('/v1/organizations', { headers: patHeaders(user.pat) });
    expect(listed.data?.data.map((org) => org.id)).toEqual([orgId]);
    expect(listed.data?.meta.pagination).toEqual({ limit: 20, hasMore: false, nextCursor: null });

    const got = await service.api.GET('/v1/organizations/{orgId}', {
      headers: patHeaders(user.pat),
      params: { path: { orgId } },
    });
    expect(got.data?.data).toEqual(created.data?.data);
  });

  it('pages through organizations newest first with opaque cursors and no repeats', async () => {
    const user = await newUser(service);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await newOrganization(service, user.pat, `Org ${i}`));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await service.api.GET('/v1/organizations', {
        headers: patHeaders(user.pat),
        params: { query: { limit: 2, cursor } },
      });
      seen.push(...page.data!.data.map((org) => org.id));
      expect(page.data!.meta.pagination.hasMore).toBe(page.data!.meta.pagination.nextCursor !== null);
      if (!page.data!.meta.pagination.nextCursor) {
        break;
      }
      cursor = page.data!.meta.pagination.nextCursor;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('rejects a cursor it did not issue with VALIDATION_ERROR on the cursor field', async () => {
    const user = await newUser(service);
    const { error, response } = await service.api.GET('/v1/organizations', {
      headers: patHeaders(user.pat),
      params: { query: { cursor: 'not-a-cursor' } },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'cursor' }] });
  });

  it('creates an API key once, in full, and never shows it again', async () => {
    const tenant = await newTenant(service);
    const created = await service.api.POST('/v1/organizations/{orgId}/api-keys', {
      headers: patHeaders(tenant.pat),
      params: { path: { orgId: tenant.orgId } },
      body: { name: 'CRM', mode: 'live', scopes: ['contacts:read'], rateLimitPerMinute: 120 },
    });
    expect(created.response.status).toBe(201);
    const key = created.data!.data;
    expect(key.key).toMatch(/^owb_live_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({
      name: 'CRM',
      mode: 'live',
      status: 'active',
      scopes: ['contacts:read'],
      rateLimitPerMinute: 120,
      keyPreview: `owb_live_…${key.key.slice(-4)}`,
      lastUsedAt: null,
      revokedAt: null,
    });

    const listed = await service.api.GET('/v1/organizations/{orgId}/api-keys', {
      headers: patHeaders(tenant.pat),
      params: { path: { orgId: tenant.orgId } },
    });
    const body = JSON.stringify(listed.data);
    expect(body).not.toContain(key.key);
    expect(listed.data?.data.map((k) => k.id)).toEqual([key.id, tenant.apiKey.id]);
    expect(listed.data?.data[0]).not.toHaveProperty('key');
  });

  it('revokes a key idempotently', async () => {
    const tenant = await newTenant(service);
    const revoke = () =>
      service.api.DELETE('/v1/organizations/{orgId}/api-keys/{keyId}', {
        headers: patHeaders(tenant.pat),
        params: { path: { orgId: tenant.orgId, keyId: tenant.apiKey.id } },
      });
    const first = await revoke();
    const second = await revoke();
    expect(first.response.status).toBe(200);
    expect(second.data?.data.revokedAt).toBe(first.data?.data.revokedAt);
    expect((await service.api.GET('/v1/me', { headers: bearer(tenant.apiKey.key) })).response.status).toBe(401);
  });

  it('rejects an expiry in the past and a non-integer rate limit, naming each field', async () => {
    const tenant = await newTenant(service);
    const { error, response } = await service.api.POST('/v1/organizations/{orgId}/api-keys', {
      headers: patHeaders(tenant.pat),
      params: { path: { orgId: tenant.orgId } },
      body: { name: 'x', mode: 'test', expiresAt: '2001-01-01T00:00:00Z', rateLimitPerMinute: 1.5 },
    });
    expect(response.status).toBe(400);
    expect(error?.error.details).toEqual(
      expect.arrayContaining([
        { field: 'expiresAt', message: 'expiresAt must be in the future' },
        { field: 'rateLimitPerMinute', message: expect.stringMatching(/integer/) },
      ]),
    );
  });

  describe('another organization', () => {
    let owner: Awaited<ReturnType<typeof newTenant>>;
    let stranger: Awaited<ReturnType<typeof newTenant>>;

    beforeAll(async () => {
      owner = await newTenant(service);
      stranger = await newTenant(service);
    });

    const expectNotFound = (result: { response: Response; error?: { error: { code: string } } }) => {
      expect(result.response.status).toBe(404);
      expect(result.error?.error.code).toBe('NOT_FOUND');
    };

    it('gets 404 for GET /v1/organizations/{orgId}', async () => {
      expectNotFound(
        await service.api.GET('/v1/organizations/{orgId}', {
          headers: patHeaders(stranger.pat),
          params: { path: { orgId: owner.orgId } },
        }),
      );
    });

    it('gets 404 for listing its API keys', async () => {
      expectNotFound(
        await service.api.GET('/v1/organizations/{orgId}/api-keys', {
          headers: patHeaders(stranger.pat),
          params: { path: { orgId: owner.orgId } },
        }),
      );
    });

    it('gets 404 for creating an API key in it, and creates none', async () => {
      expectNotFound(
        await service.api.POST('/v1/organizations/{orgId}/api-keys', {
          headers: patHeaders(stranger.pat),
          params: { path: { orgId: owner.orgId } },
          body: { name: 'intruder', mode: 'live' },
        }),
      );
      const keys = await service.api.GET('/v1/organizations/{orgId}/api-keys', {
        headers: patHeaders(owner.pat),
        params: { path: { orgId: owner.orgId } },
      });
      expect(keys.data?.data.map((k) => k.name)).toEqual(['test key']);
    });

    it('gets 404 for revoking its key, by its path or through its own organization, and revokes nothing', async () => {
      expectNotFound(
        await service.api.DELETE('/v1/organizations/{orgId}/api-keys/{keyId}', {
          headers: patHeaders(stranger.pat),
          params: { path: { orgId: owner.orgId, keyId: owner.apiKey.id } },
        }),
      );
      expectNotFound(
        await service.api.DELETE('/v1/organizations/{orgId}/api-keys/{keyId}', {
          headers: patHeaders(stranger.pat),
          params: { path: { orgId: stranger.orgId, keyId: owner.apiKey.id } },
        }),
      );
      expect((await service.api.GET('/v1/me', { headers: bearer(owner.apiKey.key) })).response.status).toBe(200);
    });

    it('does not list it', async () => {
      const listed = await service.api.GET('/v1/organizations', { headers: patHeaders(stranger.pat) });
      expect(listed.data?.data.map((org) => org.id)).toEqual([stranger.orgId]);
    });

    it('sees only its own organization through its API key', async () => {
      const me = await service.api.GET('/v1/me', { headers: bearer(stranger.apiKey.key) });
      expect(me.data?.data.organization.id).toBe(stranger.orgId);
      const second = await newApiKey(service, owner.pat, owner.orgId);
      const ownerMe = await service.api.GET('/v1/me', { headers: bearer(second.key) });
      expect(ownerMe.data?.data.organization.id).toBe(owner.orgId);
    });
  });

  it('answers 404 for an id that is not a UUID, without a database error', async () => {
    const user = await newUser(service);
    const { error, response } = await service.api.GET('/v1/organizations/{orgId}', {
      headers: patHeaders(user.pat),
      params: { path: { orgId: "1' OR '1'='1" } },
    });
    expect(response.status).toBe(404);
    expect(error?.error).toMatchObject({ code: 'NOT_FOUND', message: 'Organization not found' });
  });
});
