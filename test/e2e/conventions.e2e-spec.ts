import { bearer, newTenant, newUser, patHeaders } from '../helpers/factories';
import { readJson } from '../helpers/http';
import { ProbeModule, probeState } from '../helpers/probe.module';
import { startTestService, TestService } from '../helpers/test-service';

describe('API conventions', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ BODY_LIMIT_BYTES: '4096' }, [ProbeModule]);
  });
  afterAll(() => service.close());

  const post = (path: string, pat: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...patHeaders(pat), ...headers },
      body,
    });

  const organizationCount = async (pat: string) =>
    (await service.api.GET('/v1/organizations', { headers: patHeaders(pat), params: { query: { limit: 100 } } })).data!
      .data.length;

  describe('bad input gets a clear 4xx and changes nothing', () => {
    let pat: string;
    beforeAll(async () => {
      pat = (await newUser(service)).pat;
    });
    afterEach(async () => {
      expect(await organizationCount(pat)).toBe(0);
    });

    it('rejects an unknown field, naming it', async () => {
      const response = await post('/v1/organizations', pat, JSON.stringify({ name: 'Acme', plan: 'gold' }));
      expect(response.status).toBe(400);
      expect(await readJson(response)).toMatchObject({
        error: {
          code: 'VALIDATION_ERROR',
          details: [{ field: 'plan', message: 'property plan should not exist' }],
          requestId: response.headers.get('x-request-id'),
        },
      });
    });

    it('rejects a wrong type with one message for the field', async () => {
      const response = await post('/v1/organizations', pat, JSON.stringify({ name: 42 }));
      expect(response.status).toBe(400);
      const body = await readJson(response);
      expect(body.error.details).toEqual([{ field: 'name', message: 'name must be a string' }]);
    });

    it('rejects a missing required field', async () => {
      const response = await post('/v1/organizations', pat, JSON.stringify({}));
      expect(response.status).toBe(400);
      expect((await readJson(response)).error.details[0].field).toBe('name');
    });

    it('rejects malformed JSON with VALIDATION_ERROR, not a 500', async () => {
      const response = await post('/v1/organizations', pat, '{"name": "Acme",');
      expect(response.status).toBe(400);
      expect((await readJson(response)).error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.any(String) });
    });

    it('rejects a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const response = await post('/v1/organizations', pat, JSON.stringify({ name: 'x'.repeat(5000) }));
      expect(response.status).toBe(413);
      expect((await readJson(response)).error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('rejects a body that is not JSON with 415', async () => {
      const response = await post('/v1/organizations', pat, 'name=Acme', { 'content-type': 'text/plain' });
      expect(response.status).toBe(415);
      expect((await readJson(response)).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('rejects an unknown query parameter and an out-of-range limit', async () => {
      const response = await fetch(`${service.url}/v1/organizations?limit=0&sort=name`, { headers: patHeaders(pat) });
      expect(response.status).toBe(400);
      const fields = (await readJson(response)).error.details.map((d: { field: string }) => d.field).sort();
      expect(fields).toEqual(['limit', 'sort']);
    });
  });

  it('answers an unknown route with the error envelope', async () => {
    const response = await fetch(`${service.url}/v1/nope`);
    expect(response.status).toBe(404);
    expect((await readJson(response)).error.code).toBe('NOT_FOUND');
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    const echoed = await fetch(`${service.url}/health`, { headers: { 'X-Request-Id': 'trace-abc.123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-abc.123');
    const replaced = await fetch(`${service.url}/health`, { headers: { 'X-Request-Id': 'bad id\twith tabs' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^req_[0-9a-f-]{36}$/);
  });

  describe('Idempotency-Key', () => {
    it('replays the first response for a retry with the same key and body, creating one organization', async () => {
      const { pat } = await newUser(service);
      const body = JSON.stringify({ name: 'Once' });
      const first = await post('/v1/organizations', pat, body, { 'Idempotency-Key': 'create-once-1' });
      const retry = await post('/v1/organizations', pat, body, { 'Idempotency-Key': 'create-once-1' });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await readJson(retry)).toEqual(await readJson(first));
      expect(await organizationCount(pat)).toBe(1);
    });

    it('refuses the same key with another body with 422 IDEMPOTENCY_KEY_REUSED, creating nothing more', async () => {
      const { pat } = await newUser(service);
      await post('/v1/organizations', pat, JSON.stringify({ name: 'A' }), { 'Idempotency-Key': 'k-reuse' });
      const reused = await post('/v1/organizations', pat, JSON.stringify({ name: 'B' }), {
        'Idempotency-Key': 'k-reuse',
      });
      expect(reused.status).toBe(422);
      expect((await readJson(reused)).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await organizationCount(pat)).toBe(1);
    });

    it('scopes keys per user: the same key from two users creates two organizations', async () => {
      const [a, b] = [await newUser(service), await newUser(service)];
      const body = JSON.stringify({ name: 'Shared key' });
      const fromA = await post('/v1/organizations', a.pat, body, { 'Idempotency-Key': 'same-key' });
      const fromB = await post('/v1/organizations', b.pat, body, { 'Idempotency-Key': 'same-key' });
      expect(fromB.headers.get('idempotent-replayed')).toBeNull();
      expect((await readJson(fromA)).data.id).not.toBe((await readJson(fromB)).data.id);
    });

    it('does not hold a key after a failed request: a corrected retry with the same key succeeds', async () => {
      const { pat } = await newUser(service);
      const failed = await post('/v1/organizations', pat, JSON.stringify({ name: '' }), {
        'Idempotency-Key': 'fix-me',
      });
      expect(failed.status).toBe(400);
      const fixed = await post('/v1/organizations', pat, JSON.stringify({ name: 'Fixed' }), {
        'Idempotency-Key': 'fix-me',
      });
      expect(fixed.status).toBe(201);
    });

    it('lets exactly one of many concurrent requests with one key create', async () => {
      const { pat } = await newUser(service);
      const body = JSON.stringify({ name: 'Race' });
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => post('/v1/organizations', pat, body, { 'Idempotency-Key': 'race-1' })),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
      expect(statuses).toContain(201);
      expect(await organizationCount(pat)).toBe(1);
    });

    it('replays the first response with its own status: a contact update answered 200 is replayed as 200', async () => {
      const { apiKey } = await newTenant(service);
      const upsert = (headers: Record<string, string> = {}) =>
        fetch(`${service.url}/v1/contacts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(apiKey.key), ...headers },
          body: JSON.stringify({ phone: '+15550107788', name: 'Ana' }),
        });
      expect((await upsert()).status).toBe(201);
      const update = await upsert({ 'Idempotency-Key': 'contact-update-1' });
      const retry = await upsert({ 'Idempotency-Key': 'contact-update-1' });
      expect(update.status).toBe(200);
      expect(retry.status).toBe(200);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await readJson(retry)).toEqual(await readJson(update));
    });

    it('does not hold the key of a request answered without a body: a retry runs again', async () => {
      const { apiKey } = await newTenant(service);
      const call = () =>
        fetch(`${service.url}/v1/probe/idempotent-empty`, {
          method: 'POST',
          headers: { ...bearer(apiKey.key), 'Idempotency-Key': 'empty-1' },
        });
      const calls = probeState.emptyCalls;
      expect((await call()).status).toBe(204);
      const retry = await call();
      expect(retry.status).toBe(204);
      expect(probeState.emptyCalls).toBe(calls + 2);
    });

    it('rejects a malformed key', async () => {
      const { pat } = await newUser(service);
      const response = await post('/v1/organizations', pat, JSON.stringify({ name: 'x' }), {
        'Idempotency-Key': 'has spaces',
      });
      expect(response.status).toBe(400);
      expect((await readJson(response)).error.details[0].field).toBe('Idempotency-Key');
    });
  });

  describe('rate limits', () => {
    it('answers 429 RATE_LIMITED with Retry-After once a key spends its per-minute budget', async () => {
      const tenant = await newTenant(service, { rateLimitPerMinute: 3 });
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${service.url}/v1/me`, { headers: bearer(tenant.apiKey.key) });
        statuses.push(response.status);
        if (response.status === 429) {
          limited = response;
        } else {
          expect(response.headers.get('ratelimit-limit')).toBe('3');
          expect(response.headers.get('ratelimit-remaining')).toBe(String(2 - i));
        }
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(limited!.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect((await readJson(limited!)).error.code).toBe('RATE_LIMITED');
    });

    it('budgets each key separately', async () => {
      const limitedTenant = await newTenant(service, { rateLimitPerMinute: 1 });
      const other = await newTenant(service, { rateLimitPerMinute: 1 });
      await fetch(`${service.url}/v1/me`, { headers: bearer(limitedTenant.apiKey.key) });
      expect((await fetch(`${service.url}/v1/me`, { headers: bearer(limitedTenant.apiKey.key) })).status).toBe(429);
      expect((await fetch(`${service.url}/v1/me`, { headers: bearer(other.apiKey.key) })).status).toBe(200);
    });
  });

  describe('documentation and health', () => {
    it('serves the OpenAPI document at /openapi.json and Swagger UI at /docs', async () => {
      const spec = await readJson(await fetch(`${service.url}/openapi.json`));
      expect(spec.openapi).toMatch(/^3\./);
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/me', '/v1/organizations']));
      const docs = await fetch(`${service.url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger-ui');
    });

    it('reports liveness and readiness with the queue backend in use', async () => {
      expect(await (await fetch(`${service.url}/health`)).json()).toEqual({ data: { status: 'ok' } });
      const ready = await fetch(`${service.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await readJson(ready)).toEqual({
        data: {
          status: 'ready',
          queueBackend: 'redis',
          checks: { database: { ok: true }, migrations: { ok: true }, queue: { ok: true } },
        },
      });
    });
  });
});
