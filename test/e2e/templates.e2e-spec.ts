import { createMetaSandbox, MetaSandbox } from '@libs/meta-sandbox';
import { bearer, newTenant } from '../helpers/factories';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { TEST_SECRETS } from '../setup/test-environment';

/** Templates of a live WABA, against a standalone sandbox standing in for Meta (review in 0 ms). */
describe('Message templates', () => {
  let meta: MetaSandbox;
  let service: TestService;
  let counter = 0;

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

  async function liveWaba() {
    counter += 1;
    const tenant = await newTenant(service, { mode: 'live' });
    const accessToken = `EAAG-templates-${counter}-${Date.now()}`;
    const metaWaba = meta.createWaba({ name: `Shop ${counter}`, accessToken });
    meta.createPhoneNumber(metaWaba.id, {
      displayPhoneNumber: `+1 555-400-${String(counter).padStart(4, '0')}`,
      verifiedName: 'Shop',
    });
    const { data } = await service.api.POST('/v1/wabas', {
      headers: bearer(tenant.apiKey.key),
      body: { metaWabaId: metaWaba.id, accessToken },
    });
    return { key: tenant.apiKey.key, wabaId: data!.data.id, metaWabaId: metaWaba.id, accessToken };
  }

  const list = (key: string, query: Record<string, unknown> = {}) =>
    service.api.GET('/v1/templates', { headers: bearer(key), params: { query } });
  const create = (key: string, body: Record<string, unknown>) =>
    service.api.POST('/v1/templates', { headers: bearer(key), body: body as never });
  const statusOf = (key: string, id: string, status: string) =>
    waitFor(`template ${id} to be ${status}`, async () => {
      const result = await service.api.GET('/v1/templates/{templateId}', {
        headers: bearer(key),
        params: { path: { templateId: id } },
      });
      return result.data?.data.status === status ? result.data.data : undefined;
    });

  const utility = (wabaId: string, name = 'order_update') => ({
    wabaId,
    name,
    language: 'en_US',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Order {{1}} news', example: { headerText: ['A-17'] } },
      {
        type: 'BODY',
        text: 'Hi {{1}}, your order ships {{2}} as planned.',
        example: { bodyText: [['Ana', 'Monday']] },
      },
      { type: 'FOOTER', text: 'Reply STOP to opt out' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'Track' },
          { type: 'URL', text: 'Open order', url: 'https://shop.example/o/{{1}}', example: ['A-17'] },
          { type: 'PHONE_NUMBER', text: 'Call us', phoneNumber: '+15550001111' },
        ],
      },
    ],
  });

  it("imports the WABA's templates when it is connected", async () => {
    const { key, wabaId } = await liveWaba();
    const templates = await list(key, { wabaId });
    expect(templates.data!.data).toEqual([
      expect.objectContaining({ name: 'hello_world', language: 'en_US', status: 'APPROVED', category: 'UTILITY' }),
    ]);
    expect(templates.data!.data[0].components[0]).toMatchObject({
      type: 'HEADER',
      format: 'TEXT',
      text: 'Hello World',
    });
  });

  it('creates a template of each category and button kind; review approves them and emits events', async () => {
    const { key, wabaId } = await liveWaba();
    const marketing = {
      wabaId,
      name: 'spring_sale',
      language: 'en_US',
      category: 'MARKETING',
      parameterFormat: 'named',
      components: [
        {
          type: 'BODY',
          text: 'Hi {{first_name}}, use the code below for 10% off today.',
          example: { bodyTextNamedParams: [{ paramName: 'first_name', example: 'Ana' }] },
        },
        { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', text: 'Copy code', example: ['SPRING10'] }] },
      ],
    };
    const authentication = {
      wabaId,
      name: 'login_code',
      language: 'en_US',
      category: 'AUTHENTICATION',
      components: [
        { type: 'BODY', addSecurityRecommendation: true },
        { type: 'FOOTER', codeExpirationMinutes: 10 },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otpType: 'COPY_CODE', text: 'Copy code' }] },
      ],
    };
    for (const body of [utility(wabaId), marketing, authentication]) {
      const created = await create(key, body);
      expect(created.response.status).toBe(201);
      expect(created.data!.data).toMatchObject({
        name: body.name,
        category: body.category,
        status: expect.stringMatching(/PENDING|APPROVED/),
      });
      await statusOf(key, created.data!.data.id, 'APPROVED');
    }
    const names = await waitFor('the three status events', async () => {
      const events = await service.api.GET('/v1/events', {
        headers: bearer(key),
        params: { query: { type: 'template.status_updated' } },
      });
      const found = events.data!.data.map((event) => (event.data as { name: string }).name).sort();
      return found.length === 3 ? found : undefined;
    });
    expect(names).toEqual(['login_code', 'order_update', 'spring_sale']);
    expect(
      (await list(key, { status: 'APPROVED', category: 'MARKETING' })).data!.data.map((template) => template.name),
    ).toEqual(['spring_sale']);
    expect((await list(key, { search: 'login' })).data!.data.map((template) => template.name)).toEqual(['login_code']);
  });

  it('records a rejection with its reason', async () => {
    const { key, wabaId } = await liveWaba();
    const created = await create(key, utility(wabaId, 'reject_this_one'));
    const rejected = await statusOf(key, created.data!.data.id, 'REJECTED');
    expect(rejected.rejectedReason).toBe('INVALID_FORMAT');
  });

  it("edits within Meta's rules and refuses outside them", async () => {
    const { key, wabaId, metaWabaId } = await liveWaba();
    const created = await create(key, utility(wabaId));
    const id = created.data!.data.id;
    await statusOf(key, id, 'APPROVED');
    const path = { headers: bearer(key), params: { path: { templateId: id } } };

    const category = await service.api.POST('/v1/templates/{templateId}', { ...path, body: { category: 'MARKETING' } });
    expect(category.response.status).toBe(400);
    expect(category.error!.error.details![0].field).toBe('category');

    const edited = await service.api.POST('/v1/templates/{templateId}', {
      ...path,
      body: {
        components: [
          { type: 'BODY', text: 'Hi {{1}}, your order is on its way now.', example: { bodyText: [['Ana']] } },
        ],
      },
    });
    expect(edited.data!.data).toMatchObject({
      // Back to review (the sandbox reviews at once, so it may be approved again already).
      status: expect.stringMatching(/^(PENDING|APPROVED)$/),
      components: [expect.objectContaining({ type: 'BODY' })],
    });
    await statusOf(key, id, 'APPROVED');
    // A disabled template cannot be edited.
    await meta.setTemplateStatus(metaWabaId, 'order_update', 'en_US', 'DISABLED');
    await statusOf(key, id, 'DISABLED');
    const disabled = await service.api.POST('/v1/templates/{templateId}', { ...path, body: { category: 'UTILITY' } });
    expect(disabled.response.status).toBe(409);
    expect(disabled.error!.error.code).toBe('CONFLICT');
  });

  it('deletes one language by id, and every language by name', async () => {
    const { key, wabaId } = await liveWaba();
    await create(key, utility(wabaId, 'shipping_news'));
    await create(key, { ...utility(wabaId, 'shipping_news'), language: 'es' });
    const other = await create(key, utility(wabaId, 'other_news'));
    const byId = await service.api.DELETE('/v1/templates/{templateId}', {
      headers: bearer(key),
      params: { path: { templateId: other.data!.data.id } },
    });
    expect(byId.response.status).toBe(204);
    const byName = await service.api.DELETE('/v1/templates', {
      headers: bearer(key),
      params: { query: { wabaId, name: 'shipping_news' } },
    });
    expect(byName.response.status).toBe(204);
    expect((await list(key, { wabaId })).data!.data.map((template) => template.name)).toEqual(['hello_world']);
    // Meta has them no longer either: a sync changes nothing.
    const sync = await service.api.POST('/v1/wabas/{wabaId}/templates/sync', {
      headers: bearer(key),
      params: { path: { wabaId } },
    });
    expect(sync.data!.data).toEqual({ imported: 0, updated: 1, removed: 0 });
  });

  it('syncs templates created at Meta directly, and drops the ones Meta deleted', async () => {
    const { key, wabaId, metaWabaId, accessToken } = await liveWaba();
    const graph = (method: string, path: string, body?: unknown) =>
      fetch(`${meta.url}/v25.0/${path}`, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
    await graph('POST', `${metaWabaId}/message_templates`, {
      name: 'made_in_manager',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Made in WhatsApp Manager' }],
    });
    await graph('DELETE', `${metaWabaId}/message_templates?name=hello_world`);
    const sync = await service.api.POST('/v1/wabas/{wabaId}/templates/sync', {
      headers: bearer(key),
      params: { path: { wabaId } },
    });
    expect(sync.data!.data).toEqual({ imported: 1, updated: 0, removed: 1 });
    expect((await list(key, { wabaId })).data!.data.map((template) => template.name)).toEqual(['made_in_manager']);
  });

  it('previews a template with its parameters, and refuses parameters that do not fit', async () => {
    const { key, wabaId } = await liveWaba();
    const created = await create(key, utility(wabaId));
    const path = { headers: bearer(key), params: { path: { templateId: created.data!.data.id } } };
    const text = (value: string) => ({ type: 'text', text: value });
    const preview = await service.api.POST('/v1/templates/{templateId}/preview', {
      ...path,
      body: {
        components: [
          { type: 'header', parameters: [text('A-17')] },
          { type: 'body', parameters: [text('Ana'), text('Monday')] },
          { type: 'button', subType: 'url', index: '1', parameters: [text('A-17')] },
        ],
      },
    });
    expect(preview.data!.data).toEqual({
      header: { format: 'TEXT', text: 'Order A-17 news' },
      body: 'Hi Ana, your order ships Monday as planned.',
      footer: 'Reply STOP to opt out',
      buttons: [
        { type: 'QUICK_REPLY', text: 'Track' },
        { type: 'URL', text: 'Open order', url: 'https://shop.example/o/A-17' },
        { type: 'PHONE_NUMBER', text: 'Call us', phoneNumber: '+15550001111' },
      ],
    });
    const wrong = await service.api.POST('/v1/templates/{templateId}/preview', {
      ...path,
      body: { components: [{ type: 'body', parameters: [text('Ana')] }] },
    });
    expect(wrong.response.status).toBe(422);
    expect(wrong.error!.error.code).toBe('TEMPLATE_PARAMETER_MISMATCH');
    expect(wrong.error!.error.details!.map((detail) => detail.field)).toEqual(['header', 'body', 'buttons.1']);
  });

  it('sends an approved template with its parameters in Meta’s component shape', async () => {
    const { key, wabaId } = await liveWaba();
    const created = await create(key, utility(wabaId));
    await statusOf(key, created.data!.data.id, 'APPROVED');
    const wabas = await service.api.GET('/v1/wabas/{wabaId}', { headers: bearer(key), params: { path: { wabaId } } });
    const phone = wabas.data!.data.phoneNumbers[0];
    const text = (value: string) => ({ type: 'text', text: value });
    const components = [
      { type: 'header', parameters: [text('A-17')] },
      { type: 'body', parameters: [text('Ana'), text('Monday')] },
      { type: 'button', subType: 'url', index: '1', parameters: [text('A-17')] },
    ];
    const accepted = await service.api.POST('/v1/messages', {
      headers: bearer(key),
      body: {
        phoneNumberId: phone.id,
        to: '+15550007777',
        type: 'template',
        template: { name: 'order_update', language: { code: 'en_US' }, components },
      },
    });
    expect(accepted.response.status).toBe(202);
    const read = await waitFor('the template message to be read', async () => {
      const result = await service.api.GET('/v1/messages/{messageId}', {
        headers: bearer(key),
        params: { path: { messageId: accepted.data!.data.id } },
      });
      return result.data!.data.status === 'read' ? result.data!.data : undefined;
    });
    const request = meta.sentMessages(phone.metaPhoneNumberId).find((sent) => sent.messageId === read.waMessageId)!;
    expect(request.body.template).toEqual({
      name: 'order_update',
      language: { code: 'en_US', policy: 'deterministic' },
      components: [
        { type: 'header', parameters: [{ type: 'text', text: 'A-17' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana' },
            { type: 'text', text: 'Monday' },
          ],
        },
        { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'A-17' }] },
      ],
    });
  });

  describe('validation', () => {
    it('names the component and field that break a rule, and creates nothing', async () => {
      const { key, wabaId } = await liveWaba();
      const result = await create(key, {
        ...utility(wabaId),
        components: [
          { type: 'BODY', text: '{{1}} is ready', example: { bodyText: [['A']] } },
          { type: 'FOOTER', text: 'x'.repeat(61) },
        ],
      });
      expect(result.response.status).toBe(400);
      expect(result.error!.error.details!.map((detail) => detail.field)).toEqual([
        'components.0.text',
        'components.1.text',
      ]);
      expect((await list(key, { wabaId })).data!.data).toHaveLength(1);
    });

    it('refuses a duplicate name and language with 409, an unknown WABA with 400, bad fields with 400', async () => {
      const { key, wabaId } = await liveWaba();
      expect((await create(key, utility(wabaId))).response.status).toBe(201);
      expect((await create(key, utility(wabaId))).response.status).toBe(409);
      const unknown = await create(key, utility('00000000-0000-7000-8000-000000000000'));
      expect(unknown.response.status).toBe(400);
      expect(unknown.error!.error.details![0].field).toBe('wabaId');
      const badCategory = await create(key, { ...utility(wabaId, 'x_news'), category: 'PROMO' });
      expect(badCategory.response.status).toBe(400);
    });
  });

  it('gives another organization 404 on every template route', async () => {
    const owner = await liveWaba();
    const other = await liveWaba();
    const templates = await list(owner.key, { wabaId: owner.wabaId });
    const templateId = templates.data!.data[0].id;
    const path = { headers: bearer(other.key), params: { path: { templateId } } };
    const statuses = [
      (await service.api.GET('/v1/templates/{templateId}', path)).response.status,
      (await service.api.POST('/v1/templates/{templateId}', { ...path, body: { category: 'UTILITY' } })).response
        .status,
      (await service.api.DELETE('/v1/templates/{templateId}', path)).response.status,
      (
        await service.api.POST('/v1/wabas/{wabaId}/templates/sync', {
          headers: bearer(other.key),
          params: { path: { wabaId: owner.wabaId } },
        })
      ).response.status,
    ];
    statuses.push(
      (
        await service.api.DELETE('/v1/templates', {
          headers: bearer(other.key),
          params: { query: { wabaId: owner.wabaId, name: 'hello_world' } },
        })
      ).response.status,
      (await service.api.POST('/v1/templates/{templateId}/preview', { ...path, body: {} })).response.status,
    );
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404]);
    expect((await list(other.key, { wabaId: owner.wabaId })).data!.data).toEqual([]);
  });
});
