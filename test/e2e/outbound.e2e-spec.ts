import { MAGIC_RECIPIENTS } from '@libs/meta-sandbox';
import { DataSource } from 'typeorm';
import { SandboxHost } from '../../src/modules/meta/sandbox-host';
import { bearer, newTenant } from '../helpers/factories';
import { customerPhone, customerWrites, messageReaches, sandboxTenant, sendMessage } from '../helpers/sending';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';

/** Sending in test mode: the built-in sandbox is Meta, its status webhooks come back to us. */
describe('Sending messages', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ SEND_MAX_ATTEMPTS: '3', SEND_RETRY_DELAY_MS: '50' });
  });
  afterAll(() => service.close());

  it('sends a text inside the window in Meta’s exact shape, and follows it to read', async () => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const accepted = await sendMessage(service, key, {
      phoneNumberId,
      to,
      type: 'text',
      text: { body: 'Your order shipped', previewUrl: false },
      metadata: { orderId: 'A-17' },
    });
    expect(accepted.response.status).toBe(202);
    expect(accepted.data!.data).toMatchObject({
      status: 'queued',
      direction: 'outbound',
      content: { text: { body: 'Your order shipped' } },
    });
    const id = accepted.data!.data.id;

    const read = await messageReaches(service, key, id, 'read');
    expect(read).toMatchObject({
      attempts: 1,
      waMessageId: expect.stringMatching(/^wamid\./),
      sentAt: expect.any(String),
      deliveredAt: expect.any(String),
    });
    const sandbox = await service.context.get(SandboxHost).get();
    const request = sandbox.sentMessages(metaPhoneNumberId).find((sent) => sent.messageId === read.waMessageId)!;
    expect(request.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'text',
      text: { body: 'Your order shipped', preview_url: false },
      biz_opaque_callback_data: id,
    });
    const history = await service.api.GET('/v1/messages/{messageId}/statuses', {
      headers: bearer(key),
      params: { path: { messageId: id } },
    });
    expect(history.data!.data.map((event) => event.status)).toEqual(['sent', 'delivered', 'read']);
    const events = await waitFor('the message events', async () => {
      const list = await service.api.GET('/v1/events', {
        headers: bearer(key),
        params: { query: { type: 'message.*' } },
      });
      const mine = list.data!.data.filter((event) => (event.data as { id: string }).id === id);
      return mine.length === 4 ? mine : undefined;
    });
    expect(events.map((event) => [event.type, event.sequence])).toEqual([
      ['message.read', 4],
      ['message.delivered', 3],
      ['message.sent', 2],
      ['message.queued', 1],
    ]);
    expect(events[0].data).toMatchObject({ metadata: { orderId: 'A-17' }, contactReplyTo: to });
  });

  it('refuses free-form messages outside the window, and sends an approved template', async () => {
    const { key, wabaId, phoneNumberId } = await sandboxTenant(service);
    const to = customerPhone();
    const outside = await sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body: 'hello?' } });
    expect(outside.response.status).toBe(422);
    expect(outside.error!.error.code).toBe('OUTSIDE_CUSTOMER_SERVICE_WINDOW');

    const missing = await sendMessage(service, key, {
      phoneNumberId,
      to,
      type: 'template',
      template: { name: 'hello_world', language: { code: 'en_US' } },
    });
    expect(missing.error!.error.code).toBe('TEMPLATE_NOT_FOUND');
    await service.api.POST('/v1/wabas/{wabaId}/templates/sync', { headers: bearer(key), params: { path: { wabaId } } });
    const mismatch = await sendMessage(service, key, {
      phoneNumberId,
      to,
      type: 'template',
      template: {
        name: 'hello_world',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'x' }] }],
      },
    });
    expect(mismatch.response.status).toBe(422);
    expect(mismatch.error!.error).toMatchObject({
      code: 'TEMPLATE_PARAMETER_MISMATCH',
      details: [expect.objectContaining({ field: 'body' })],
    });
    const template = await sendMessage(service, key, {
      phoneNumberId,
      to,
      type: 'template',
      template: { name: 'hello_world', language: { code: 'en_US' } },
    });
    expect(template.response.status).toBe(202);
    await messageReaches(service, key, template.data!.data.id, 'read');
  });

  it.each([
    ['a text over 4096 characters', { type: 'text', text: { body: 'x'.repeat(4097) } }, 'text.body'],
    ['an image with both id and link', { type: 'image', image: { id: '1', link: 'https://x.example/a.png' } }, 'image'],
    [
      '4 reply buttons',
      {
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'Pick' },
          action: { buttons: [1, 2, 3, 4].map((i) => ({ type: 'reply', reply: { id: `b${i}`, title: `B${i}` } })) },
        },
      },
      'interactive.action.buttons',
    ],
    ['a missing type object', { type: 'location' }, 'location'],
    ['a NUL character, which PostgreSQL cannot store', { type: 'text', text: { body: 'a\u0000b' } }, 'text.body'],
    ['half an emoji', { type: 'text', text: { body: 'broken \ud83d' } }, 'text.body'],
    [
      'a NUL character in metadata',
      { type: 'text', text: { body: 'hi' }, metadata: { note: '\u0000' } },
      'metadata.note',
    ],
    [
      'half an emoji in a metadata key',
      { type: 'text', text: { body: 'hi' }, metadata: { 'k\ud83d': 1 } },
      'metadata.k\ud83d',
    ],
  ])('refuses %s before queueing, naming the field', async (_case, message, field) => {
    const { key, phoneNumberId } = await sandboxTenant(service);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const result = await sendMessage(service, key, { phoneNumberId, to, ...message });
    expect(result.response.status).toBe(400);
    expect(result.error!.error.details![0].field).toBe(field);
    const outbound = await service.api.GET('/v1/messages', {
      headers: bearer(key),
      params: { query: { direction: 'outbound' } },
    });
    expect(outbound.data!.data).toEqual([]);
  });

  it('fails a message Meta reports undeliverable, and one Meta refuses outright, with Meta’s code', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service);
    const { to: undeliverable } = await customerWrites(
      service,
      key,
      phoneNumberId,
      `+${MAGIC_RECIPIENTS.undeliverable}`,
    );
    const first = await sendMessage(service, key, {
      phoneNumberId,
      to: undeliverable,
      type: 'text',
      text: { body: 'hi' },
    });
    const failed = await messageReaches(service, key, first.data!.data.id, 'failed');
    expect(failed.error).toMatchObject({ code: 131026 });

    const { to: invalid } = await customerWrites(service, key, phoneNumberId, `+${MAGIC_RECIPIENTS.invalidParameter}`);
    const second = await sendMessage(service, key, { phoneNumberId, to: invalid, type: 'text', text: { body: 'hi' } });
    const refused = await messageReaches(service, key, second.data!.data.id, 'failed');
    expect(refused.error).toMatchObject({ code: 100 });
  });

  it('retries a transient 5xx and then delivers', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service);
    const { to } = await customerWrites(service, key, phoneNumberId, `+${MAGIC_RECIPIENTS.serverErrorOnce}`);
    const accepted = await sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body: 'hi' } });
    expect(accepted.data!.data.attempts).toBe(0);
    const read = await messageReaches(service, key, accepted.data!.data.id, 'read');
    expect(read.attempts).toBe(2);
  });

  it('refuses every send from a phone that cannot send, with the reasons, storing nothing', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const { to } = await customerWrites(service, key, phoneNumberId);
    await service.context
      .get(DataSource)
      .query(`UPDATE phone_numbers SET meta_status = 'BANNED' WHERE id = $1`, [phoneNumberId]);
    const template = { name: 'hello_world', language: { code: 'en_US' } };
    const text = await sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body: 'hi' } });
    const single = await sendMessage(service, key, { phoneNumberId, to, type: 'template', template });
    const batch = await service.api.POST('/v1/messages/batch', {
      headers: bearer(key),
      body: { phoneNumberId, type: 'template', template, recipients: [{ to }] } as never,
    });
    for (const refused of [text, single, batch]) {
      expect(refused.response.status).toBe(409);
      expect(refused.error!.error).toMatchObject({
        code: 'PHONE_NOT_READY',
        details: { reasons: [expect.objectContaining({ code: 'ACCOUNT_BLOCKED' })] },
      });
    }
    const outbound = await service.api.GET('/v1/messages', {
      headers: bearer(key),
      params: { query: { direction: 'outbound' } },
    });
    expect(outbound.data!.data).toEqual([]);
  });

  it('answers a retried send with the same Idempotency-Key with the first message, sending it once', async () => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const body = { phoneNumberId, to, type: 'text', text: { body: 'Exactly once' } };
    const headers = { ...bearer(key), 'Idempotency-Key': `send-${to}` };
    const first = await service.api.POST('/v1/messages', { headers, body: body as never });
    const retry = await service.api.POST('/v1/messages', { headers, body: body as never });
    expect(retry.response.status).toBe(202);
    expect(retry.response.headers.get('Idempotent-Replayed')).toBe('true');
    expect(retry.data!.data.id).toBe(first.data!.data.id);
    await messageReaches(service, key, first.data!.data.id, 'read');
    const sandbox = await service.context.get(SandboxHost).get();
    const requests = sandbox
      .sentMessages(metaPhoneNumberId)
      .filter((sent) => sent.body.biz_opaque_callback_data === first.data!.data.id);
    expect(requests).toHaveLength(1);
    const outbound = await service.api.GET('/v1/messages', {
      headers: bearer(key),
      params: { query: { direction: 'outbound' } },
    });
    expect(outbound.data!.data).toHaveLength(1);
  });

  it('cancels only queued messages, and gives another organization 404', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const accepted = await sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body: 'hi' } });
    await messageReaches(service, key, accepted.data!.data.id, 'read');
    const late = await service.api.POST('/v1/messages/{messageId}/cancel', {
      headers: bearer(key),
      params: { path: { messageId: accepted.data!.data.id } },
    });
    expect(late.response.status).toBe(409);

    const other = await newTenant(service, { mode: 'test' });
    const foreignSend = await sendMessage(service, other.apiKey.key, {
      phoneNumberId,
      to,
      type: 'text',
      text: { body: 'hi' },
    });
    expect(foreignSend.response.status).toBe(404);
    const foreignCancel = await service.api.POST('/v1/messages/{messageId}/cancel', {
      headers: bearer(other.apiKey.key),
      params: { path: { messageId: accepted.data!.data.id } },
    });
    expect(foreignCancel.response.status).toBe(404);
  });
  it('gives every one of many concurrent sends its own outcome, written together', async () => {
    const first = await sandboxTenant(service, { syncTemplates: true });
    const second = await sandboxTenant(service, { syncTemplates: true });
    const { to: chatting } = await customerWrites(service, first.key, first.phoneNumberId);
    const stranger = customerPhone();
    const template = { name: 'hello_world', language: { code: 'en_US' } };
    const sends: [string, Record<string, unknown>, number, string?][] = [
      // Two messages to the same customer in one group: both written, one conversation.
      [first.key, { phoneNumberId: first.phoneNumberId, to: chatting, type: 'text', text: { body: 'one' } }, 202],
      [first.key, { phoneNumberId: first.phoneNumberId, to: chatting, type: 'text', text: { body: 'two' } }, 202],
      [
        first.key,
        { phoneNumberId: first.phoneNumberId, to: stranger, type: 'text', text: { body: 'hi' } },
        422,
        'OUTSIDE_CUSTOMER_SERVICE_WINDOW',
      ],
      [first.key, { phoneNumberId: first.phoneNumberId, to: stranger, type: 'template', template }, 202],
      [
        first.key,
        {
          phoneNumberId: first.phoneNumberId,
          to: customerPhone(),
          type: 'template',
          template: { ...template, name: 'nope' },
        },
        422,
        'TEMPLATE_NOT_FOUND',
      ],
      // Another organization's phone is not found; its own phone sends.
      [second.key, { phoneNumberId: first.phoneNumberId, to: stranger, type: 'template', template }, 404, 'NOT_FOUND'],
      [second.key, { phoneNumberId: second.phoneNumberId, to: stranger, type: 'template', template }, 202],
    ];
    const answers = await Promise.all(sends.map(([key, body]) => sendMessage(service, key, body)));
    answers.forEach((answer, index) => {
      const [, , status, code] = sends[index];
      expect([index, answer.response.status, answer.error?.error.code]).toEqual([index, status, code]);
    });

    // Every accepted message is delivered.
    await Promise.all(
      answers.flatMap((answer, index) =>
        answer.data ? [messageReaches(service, sends[index][0], answer.data.data.id, 'read')] : [],
      ),
    );
    const [one, two] = [answers[0].data!.data, answers[1].data!.data];
    expect(one.conversationId).toBe(two.conversationId);
    const conversation = await service.api.GET('/v1/conversations/{conversationId}', {
      headers: bearer(first.key),
      params: { path: { conversationId: one.conversationId! } },
    });
    const latest = [one, two].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));
    expect(conversation.data!.data.lastMessagePreview).toBe(latest[1] === one ? 'one' : 'two');
    // Each message's `message.queued` event is the message as the API answered it.
    const events = await service.api.GET('/v1/events', {
      headers: bearer(first.key),
      params: { query: { type: 'message.queued' } },
    });
    const queued = events.data!.data.find((event) => (event.data as { id: string }).id === one.id)!;
    const contact = await service.api.GET('/v1/contacts/{contactId}', {
      headers: bearer(first.key),
      params: { path: { contactId: one.contactId! } },
    });
    expect(queued.data).toEqual({
      ...one,
      metadata: null,
      contactIdentifier: contact.data!.data.contactIdentifier,
      contactReplyTo: chatting,
    });
    // The refused sends stored nothing: no contact for the template that was not found.
    const contacts = await service.api.GET('/v1/contacts', { headers: bearer(first.key) });
    expect(contacts.data!.data.map((contact) => contact.waId).sort()).toEqual(
      [chatting, stranger].map((phone) => phone.slice(1)).sort(),
    );
  });
  it('gives one new customer one contact, however many sends at once create it', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const to = customerPhone();
    const template = { name: 'hello_world', language: { code: 'en_US' } };
    // Enough to be written by several groups at once, each finding the customer new.
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => sendMessage(service, key, { phoneNumberId, to, type: 'template', template })),
    );
    expect(answers.map((answer) => answer.response.status)).toEqual(answers.map(() => 202));
    const contactIds = new Set(answers.map((answer) => answer.data!.data.contactId));
    const conversationIds = new Set(answers.map((answer) => answer.data!.data.conversationId));
    expect([contactIds.size, conversationIds.size]).toEqual([1, 1]);
    const contacts = await service.api.GET('/v1/contacts', { headers: bearer(key) });
    expect(contacts.data!.data.map((contact) => [contact.id, contact.waId])).toEqual([
      [[...contactIds][0], to.slice(1)],
    ]);
    const created = await service.api.GET('/v1/events', {
      headers: bearer(key),
      params: { query: { type: 'contact.created' } },
    });
    expect(created.data!.data).toHaveLength(1);
  });

  it('sends a long text whose preview would end in half an emoji', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service);
    const { to } = await customerWrites(service, key, phoneNumberId);
    // The emoji starts where the 200-character preview is cut.
    const body = `${'x'.repeat(198)}😀 and more`;
    const result = await sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body } });
    expect(result.response.status).toBe(202);
    const conversation = await service.api.GET('/v1/conversations/{conversationId}', {
      headers: bearer(key),
      params: { path: { conversationId: result.data!.data.conversationId! } },
    });
    expect(conversation.data!.data.lastMessagePreview).toBe(`${'x'.repeat(198)}…`);
  });
});
