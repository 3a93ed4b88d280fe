import { SandboxHost } from '../../src/modules/meta/sandbox-host';
import { bearer, newTenant } from '../helpers/factories';
import { customerPhone, customerWrites, sandboxTenant } from '../helpers/sending';
import { orderReady, reviewedTemplate } from '../helpers/templates';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';

const customers = (count: number) => [...new Set(Array.from({ length: count * 2 }, customerPhone))].slice(0, count);
const helloWorld = { name: 'hello_world', language: { code: 'en_US' } };
const sendBatch = (service: TestService, key: string, body: Record<string, unknown>) =>
  service.api.POST('/v1/messages/batch', { headers: bearer(key), body: body as never });
const getBatch = (service: TestService, key: string, batchId: string) =>
  service.api.GET('/v1/messages/batch/{batchId}', { headers: bearer(key), params: { path: { batchId } } });
const sandbox = (service: TestService) => service.context.get(SandboxHost).get();

/** Batches and per-phone pacing, with the built-in sandbox as Meta. */
describe('Sending in batches', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.close());

  it('queues the valid recipients, reports the others one by one, and counts the batch by status', async () => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const [first, second] = customers(2);
    const accepted = await sendBatch(service, key, {
      phoneNumberId,
      type: 'template',
      template: helloWorld,
      metadata: { campaign: 'spring' },
      recipients: [
        { to: first, metadata: { customer: 'c-1' } },
        { to: 'not a phone' },
        { to: second },
        { to: first },
        { to: customerPhone(), components: [{ type: 'body', parameters: [{ type: 'text', text: 'x' }] }] },
        { to: customerPhone(), recipient: 'US.1234' },
        { to: customerPhone(), metadata: { note: 'nul \u0000' } },
      ],
    });
    expect(accepted.response.status).toBe(202);
    const batch = accepted.data!.data;
    expect(batch).toMatchObject({ recipients: 7, accepted: 2, counts: { queued: 2 } });
    expect(batch.messages.map((message) => message.index)).toEqual([0, 2]);
    expect(batch.rejected).toEqual([
      expect.objectContaining({ index: 1, code: 'VALIDATION_ERROR', field: 'recipients[1].to' }),
      expect.objectContaining({ index: 3, code: 'VALIDATION_ERROR', message: 'The same customer as recipients[0]' }),
      expect.objectContaining({ index: 4, code: 'TEMPLATE_PARAMETER_MISMATCH' }),
      expect.objectContaining({ index: 5, code: 'VALIDATION_ERROR', field: 'recipients[5]' }),
      expect.objectContaining({ index: 6, code: 'VALIDATION_ERROR', field: 'recipients[6].metadata.note' }),
    ]);

    const done = await waitFor('the batch to be read', async () => {
      const current = await getBatch(service, key, batch.id);
      return current.data!.data.counts.read === 2 ? current.data!.data : undefined;
    });
    expect(done.counts).toMatchObject({ queued: 0, sending: 0, sent: 0, failed: 0 });
    const bodies = (await sandbox(service))
      .sentMessages(metaPhoneNumberId)
      .map((sent) => sent.body as { to: string; biz_opaque_callback_data: string });
    expect(bodies.map((body) => [body.to, body.biz_opaque_callback_data]).sort()).toEqual(
      [
        [first, batch.messages[0].id],
        [second, batch.messages[1].id],
      ].sort(),
    );
    const message = await service.api.GET('/v1/messages/{messageId}', {
      headers: bearer(key),
      params: { path: { messageId: batch.messages[0].id } },
    });
    // Handed to Meta once.
    expect(message.data!.data).toMatchObject({ status: 'read', type: 'template', attempts: 1 });
    const events = await service.api.GET('/v1/events', {
      headers: bearer(key),
      params: { query: { type: 'message.queued' } },
    });
    // The batch writes its events in SQL: each is the message as the API shows it, when it was queued.
    expect(events.data!.data.find((event) => (event.data as { id: string }).id === batch.messages[0].id)!.data).toEqual(
      {
        ...message.data!.data,
        status: 'queued',
        waMessageId: null,
        attempts: 0,
        sentAt: null,
        deliveredAt: null,
        readAt: null,
        failedAt: null,
        error: null,
        batchId: batch.id,
        metadata: { campaign: 'spring', customer: 'c-1' },
        contactIdentifier: first,
        contactReplyTo: first,
      },
    );
    // …and so is each new contact's `contact.created`: the contact as the API shows it.
    const contact = await service.api.GET('/v1/contacts/{contactId}', {
      headers: bearer(key),
      params: { path: { contactId: message.data!.data.contactId! } },
    });
    const created = await service.api.GET('/v1/events', {
      headers: bearer(key),
      params: { query: { type: 'contact.created' } },
    });
    expect(
      created.data!.data.find((event) => (event.data as { id: string }).id === contact.data!.data.id)!.data,
    ).toEqual(contact.data!.data);
  });

  it('sends one message to a customer named twice, by phone and by BSUID, and pages its conversations whole', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const both = customerPhone();
    const bsuid = `US.${Date.now()}${Math.floor(Math.random() * 1000)}`;
    // The customer writes with both identities: one contact holds them.
    await service.api.POST('/v1/sandbox/inbound', {
      headers: bearer(key),
      body: { phoneNumberId, from: both, userId: bsuid, type: 'text', text: { body: 'hi' } },
    });
    await waitFor('the contact with both identities', async () => {
      const found = await service.api.GET('/v1/contacts', {
        headers: bearer(key),
        params: { query: { search: both } },
      });
      return found.data!.data.find((contact) => contact.bsuid === bsuid) ? true : undefined;
    });
    const others = customers(5);
    const result = await sendBatch(service, key, {
      phoneNumberId,
      type: 'template',
      template: helloWorld,
      recipients: [{ to: both }, ...others.map((to) => ({ to })), { recipient: bsuid }],
    });
    expect(result.response.status).toBe(202);
    expect(result.data!.data.accepted).toBe(6);
    expect(result.data!.data.rejected).toEqual([
      { index: 6, code: 'VALIDATION_ERROR', message: 'The same customer as recipients[0]', field: 'recipients[6]' },
    ]);

    // Every conversation the batch opened shows up once, two at a time.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.api.GET('/v1/conversations', {
        headers: bearer(key),
        params: { query: { limit: 2, ...(cursor && { cursor }) } },
      });
      seen.push(...page.data!.data.map((conversation) => conversation.id));
      cursor = page.data!.meta.pagination.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
  });

  it('sends free-form content only to customers inside their 24-hour window', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const [wrote, silent] = customers(2);
    await customerWrites(service, key, phoneNumberId, wrote);
    const result = await sendBatch(service, key, {
      phoneNumberId,
      type: 'text',
      text: { body: 'Back in stock' },
      recipients: [{ to: silent }, { to: wrote }],
    });
    expect(result.response.status).toBe(202);
    expect(result.data!.data.messages.map((message) => message.index)).toEqual([1]);
    expect(result.data!.data.rejected).toEqual([
      expect.objectContaining({ index: 0, code: 'OUTSIDE_CUSTOMER_SERVICE_WINDOW' }),
    ]);
    const contacts = await service.api.GET('/v1/contacts', { headers: bearer(key) });
    expect(contacts.data!.data.map((contact) => contact.waId)).toEqual([wrote.slice(1)]);
  });

  it('refuses shared template parameters that do not fit for every recipient without components of their own', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const [first, second, third] = customers(3);
    const result = await sendBatch(service, key, {
      phoneNumberId,
      type: 'template',
      template: { ...helloWorld, components: [{ type: 'body', parameters: [{ type: 'text', text: 'x' }] }] },
      // The third gives its own components, which fit (hello_world takes no parameters).
      recipients: [{ to: first }, { to: second }, { to: third, components: [] }],
    });
    expect(result.response.status).toBe(202);
    expect(result.data!.data.messages.map((message) => message.index)).toEqual([2]);
    expect(result.data!.data.rejected).toEqual([
      expect.objectContaining({ index: 0, code: 'TEMPLATE_PARAMETER_MISMATCH' }),
      expect.objectContaining({ index: 1, code: 'TEMPLATE_PARAMETER_MISMATCH' }),
    ]);
  });

  it('gives each recipient its own template parameters, and the others the batch’s', async () => {
    const { key, wabaId, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    await reviewedTemplate(service, key, orderReady(wabaId));
    const body = (...values: string[]) => [
      { type: 'body', parameters: values.map((text) => ({ type: 'text', text })) },
    ];
    const [ana, shared, bo, alsoShared] = customers(4);
    const result = await sendBatch(service, key, {
      phoneNumberId,
      type: 'template',
      template: { name: 'order_ready', language: { code: 'en_US' }, components: body('there', 'your order') },
      recipients: [
        { to: ana, components: body('Ana', 'A-17') },
        { to: shared },
        { to: bo, components: body('Bo', 'B-2') },
        { to: alsoShared },
      ],
    });
    expect(result.response.status).toBe(202);
    const batch = result.data!.data;
    expect(batch).toMatchObject({ accepted: 4, rejected: [] });
    await waitFor('the batch to be read', async () =>
      (await getBatch(service, key, batch.id)).data!.data.counts.read === 4 ? true : undefined,
    );

    // What Meta received for each customer: its own values, or the batch's.
    const sent = new Map(
      (await sandbox(service))
        .sentMessages(metaPhoneNumberId)
        .map((request) => [request.body.to, request.body.template as { components: unknown }]),
    );
    const expected: [string, string[]][] = [
      [ana, ['Ana', 'A-17']],
      [shared, ['there', 'your order']],
      [bo, ['Bo', 'B-2']],
      [alsoShared, ['there', 'your order']],
    ];
    expect([...sent.keys()].sort()).toEqual(expected.map(([to]) => to).sort());
    for (const [to, values] of expected) {
      expect([to, sent.get(to)]).toEqual([
        to,
        {
          name: 'order_ready',
          language: { code: 'en_US', policy: 'deterministic' },
          components: body(...values),
        },
      ]);
    }
    // …and what the API shows for each message.
    for (const { index, id } of batch.messages) {
      const message = await service.api.GET('/v1/messages/{messageId}', {
        headers: bearer(key),
        params: { path: { messageId: id } },
      });
      expect(message.data!.data.content).toEqual({
        template: { name: 'order_ready', language: { code: 'en_US' }, components: body(...expected[index][1]) },
      });
    }
  });

  it('refuses a bad content or too many recipients whole, storing nothing, and hides batches from other organizations', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const badContent = await sendBatch(service, key, {
      phoneNumberId,
      type: 'text',
      text: { body: 'x'.repeat(4097) },
      recipients: [{ to: customerPhone() }],
    });
    expect(badContent.response.status).toBe(400);
    expect(badContent.error!.error.details![0].field).toBe('text.body');
    const tooMany = await sendBatch(service, key, {
      phoneNumberId,
      type: 'template',
      template: helloWorld,
      recipients: Array.from({ length: 5001 }, () => ({ to: customerPhone() })),
    });
    expect(tooMany.response.status).toBe(400);
    expect(tooMany.error!.error.details![0].field).toBe('recipients');
    const stored = await service.api.GET('/v1/messages', { headers: bearer(key) });
    expect(stored.data!.data).toEqual([]);

    const mine = await sendBatch(service, key, {
      phoneNumberId,
      type: 'template',
      template: helloWorld,
      recipients: [{ to: customerPhone() }],
    });
    const other = await newTenant(service, { mode: 'test' });
    expect((await getBatch(service, other.apiKey.key, mine.data!.data.id)).response.status).toBe(404);
    const foreignPhone = await sendBatch(service, other.apiKey.key, {
      phoneNumberId,
      type: 'template',
      template: helloWorld,
      recipients: [{ to: customerPhone() }],
    });
    expect(foreignPhone.response.status).toBe(404);
  });
});
