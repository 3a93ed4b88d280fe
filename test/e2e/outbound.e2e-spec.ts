import { MAGIC_RECIPIENTS } from '@libs/meta-sandbox';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { newId } from '../../src/common/ids';
import { MessageDeliveryService } from '../../src/modules/messages/send/message-delivery.service';
import { messageIdsOf } from '../../src/modules/messages/send/send-job';
import { SandboxHost } from '../../src/modules/meta/sandbox-host';
import { QueueName } from '../../src/queue/queue-names';
import { bearer, newTenant } from '../helpers/factories';
import { customerPhone, customerWrites, messageReaches, sandboxTenant, sendMessage } from '../helpers/sending';
import { orderReady, reviewedTemplate } from '../helpers/templates';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { WebhookInbox } from '../helpers/webhook-inbox';

const helloWorld = { name: 'hello_world', language: { code: 'en_US' } };

/** Sending in test mode: the built-in sandbox is Meta, its status webhooks come back to us. */
describe('Sending messages', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      SEND_MAX_ATTEMPTS: '3',
      SEND_RETRY_DELAY_MS: '50',
      // Outgoing webhooks to the test's own receiver on loopback.
      OUTGOING_WEBHOOKS_ALLOW_PRIVATE_URLS: 'true',
      OUTGOING_WEBHOOKS_ALLOW_HTTP: 'true',
    });
  });
  afterAll(() => service.close());

  const sandbox = () => service.context.get(SandboxHost).get();
  const outboundQueue = () => service.context.get<Queue>(getQueueToken(QueueName.OutboundMessages));
  /** Runs `work` with the send queue paused: as if no worker ran, what is accepted meanwhile stays queued. */
  async function withoutWorkers<T>(work: () => Promise<T>): Promise<T> {
    const queue = outboundQueue();
    await queue.pause();
    try {
      return await work();
    } finally {
      await queue.resume();
    }
  }
  /** The send jobs waiting to hand this message to Meta. */
  const jobsOf = async (messageId: string) =>
    (await outboundQueue().getJobs(['wait', 'delayed', 'prioritized', 'active'])).filter(
      (job) => job.name === 'send' && messageIdsOf(job.data as never).includes(messageId),
    );
  const cancel = (key: string, messageId: string) =>
    service.api.POST('/v1/messages/{messageId}/cancel', { headers: bearer(key), params: { path: { messageId } } });
  const statusesOf = async (key: string, messageId: string) =>
    (
      await service.api.GET('/v1/messages/{messageId}/statuses', {
        headers: bearer(key),
        params: { path: { messageId } },
      })
    ).data!.data.map((event) => event.status);
  /** What the sandbox received from this phone, by our message id. */
  const sentTo = async (metaPhoneNumberId: string) =>
    (await sandbox())
      .sentMessages(metaPhoneNumberId)
      .map((sent) => sent.body.biz_opaque_callback_data as string)
      .sort();
  const outboundOf = async (key: string) =>
    (
      await service.api.GET('/v1/messages', {
        headers: bearer(key),
        params: { query: { direction: 'outbound' } },
      })
    ).data!.data;

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

  it.each([
    ['a RED quality rating', { qualityRating: 'RED' as const }, 'QUALITY_LOW'],
    ['a RESTRICTED account', { status: 'RESTRICTED' }, 'ACCOUNT_RESTRICTED'],
  ])('replies from a phone with %s, but refuses its templates with PHONE_NOT_READY', async (_case, patch, code) => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const { to } = await customerWrites(service, key, phoneNumberId);
    // Meta changes the number; the health check resyncs it.
    (await sandbox()).updatePhoneNumber(metaPhoneNumberId, patch);
    const health = await waitFor('the phone to be resynced from Meta', async () => {
      const result = await service.api.GET('/v1/phone-numbers/{phoneNumberId}/health', {
        headers: bearer(key),
        params: { path: { phoneNumberId } },
      });
      return result.data!.data.capabilities.canSendTemplates ? undefined : result.data!.data;
    });
    expect(health.capabilities).toEqual({ canReceiveMessages: true, canSendMessages: true, canSendTemplates: false });

    const template = await sendMessage(service, key, { phoneNumberId, to, type: 'template', template: helloWorld });
    const batch = await service.api.POST('/v1/messages/batch', {
      headers: bearer(key),
      body: { phoneNumberId, type: 'template', template: helloWorld, recipients: [{ to: customerPhone() }] } as never,
    });
    for (const refused of [template, batch]) {
      expect(refused.response.status).toBe(409);
      expect(refused.error!.error).toMatchObject({
        code: 'PHONE_NOT_READY',
        details: { reasons: [expect.objectContaining({ code, capabilities: ['canSendTemplates'] })] },
      });
    }
    const text = await sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body: 'Still here' } });
    expect(text.response.status).toBe(202);
    await messageReaches(service, key, text.data!.data.id, 'read');
    expect((await outboundOf(key)).map((message) => message.id)).toEqual([text.data!.data.id]);
  });

  it('refuses a pending, a rejected and another WABA’s template with TEMPLATE_NOT_FOUND, storing nothing', async () => {
    const { key, wabaId, metaWabaId, phoneNumberId } = await sandboxTenant(service);
    const other = await sandboxTenant(service);
    await reviewedTemplate(service, other.key, orderReady(other.wabaId, 'elsewhere_only'));
    await reviewedTemplate(service, key, orderReady(wabaId, 'reject_offer'), 'REJECTED');
    const pending = await reviewedTemplate(service, key, orderReady(wabaId, 'back_in_review'));
    // Meta sends it back to review (as after an appeal or an edit).
    await (await sandbox()).setTemplateStatus(metaWabaId, 'back_in_review', 'en_US', 'PENDING');
    await waitFor('the template to be PENDING here', async () => {
      const result = await service.api.GET('/v1/templates/{templateId}', {
        headers: bearer(key),
        params: { path: { templateId: pending.id } },
      });
      return result.data!.data.status === 'PENDING' ? true : undefined;
    });

    const components = [
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Ana' },
          { type: 'text', text: 'A-17' },
        ],
      },
    ];
    for (const name of ['back_in_review', 'reject_offer', 'elsewhere_only']) {
      const template = { name, language: { code: 'en_US' }, components };
      const single = await sendMessage(service, key, {
        phoneNumberId,
        to: customerPhone(),
        type: 'template',
        template,
      });
      const batch = await service.api.POST('/v1/messages/batch', {
        headers: bearer(key),
        body: { phoneNumberId, type: 'template', template, recipients: [{ to: customerPhone() }] } as never,
      });
      for (const refused of [single, batch]) {
        expect([name, refused.response.status, refused.error?.error.code]).toEqual([name, 422, 'TEMPLATE_NOT_FOUND']);
      }
    }
    expect(await outboundOf(key)).toEqual([]);
    expect((await service.api.GET('/v1/contacts', { headers: bearer(key) })).data!.data).toEqual([]);
  });

  it('sends to a customer known only by BSUID in Meta’s `recipient` field, creating the contact', async () => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const bsuid = `US.${Date.now()}${randomInt(1_000_000)}`;
    const accepted = await sendMessage(service, key, {
      phoneNumberId,
      recipient: bsuid,
      type: 'template',
      template: helloWorld,
    });
    expect(accepted.response.status).toBe(202);
    const read = await messageReaches(service, key, accepted.data!.data.id, 'read');
    const request = (await sandbox())
      .sentMessages(metaPhoneNumberId)
      .find((sent) => sent.messageId === read.waMessageId)!;
    expect(request.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      recipient: bsuid,
      type: 'template',
      template: { name: 'hello_world', language: { code: 'en_US', policy: 'deterministic' } },
      biz_opaque_callback_data: read.id,
    });
    const contact = await service.api.GET('/v1/contacts/{contactId}', {
      headers: bearer(key),
      params: { path: { contactId: read.contactId! } },
    });
    expect(contact.data!.data).toMatchObject({ bsuid, waId: null });
    const contacts = await service.api.GET('/v1/contacts', { headers: bearer(key) });
    expect(contacts.data!.data.map((found) => found.id)).toEqual([read.contactId]);
  });

  it('answers a replyTo naming another organization’s message, or none, with 404 like any resource not found', async () => {
    const owner = await sandboxTenant(service);
    const { inboundId } = await customerWrites(service, owner.key, owner.phoneNumberId);
    const other = await sandboxTenant(service);
    const { to } = await customerWrites(service, other.key, other.phoneNumberId);
    for (const replyTo of [inboundId, newId()]) {
      const result = await sendMessage(service, other.key, {
        phoneNumberId: other.phoneNumberId,
        to,
        type: 'text',
        text: { body: 'About that' },
        replyTo,
      });
      expect(result.response.status).toBe(404);
      expect(result.error!.error).toMatchObject({
        code: 'NOT_FOUND',
        details: [expect.objectContaining({ field: 'replyTo' })],
      });
    }
    expect(await outboundOf(other.key)).toEqual([]);
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

  it('cancels a message still queued: its job and the reconciler never send it, and every view says cancelled', async () => {
    const inbox = await WebhookInbox.start();
    try {
      const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
      await service.api.POST('/v1/outgoing-webhooks', {
        headers: bearer(key),
        body: { url: inbox.url, events: ['message.cancelled'] },
      });
      const { to } = await customerWrites(service, key, phoneNumberId);
      const send = (body: string) => sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body } });
      const [cancelled, kept] = await withoutWorkers(async () => {
        const first = await send('Never mind');
        const second = await send('Your order shipped');
        expect([first.data!.data.status, second.data!.data.status]).toEqual(['queued', 'queued']);
        // Its job is waiting, with no worker to take it.
        await waitFor('the send job', async () => ((await jobsOf(first.data!.data.id)).length > 0 ? true : undefined));

        const answer = await cancel(key, first.data!.data.id);
        expect(answer.response.status).toBe(200);
        expect(answer.data!.data).toMatchObject({
          id: first.data!.data.id,
          status: 'cancelled',
          attempts: 0,
          waMessageId: null,
        });
        const again = await cancel(key, first.data!.data.id);
        expect(again.response.status).toBe(409);
        expect(again.error!.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/cancelled/) });
        return [first.data!.data.id, second.data!.data.id];
      });

      // The worker runs the cancelled message's job, which hands nothing to Meta; the other message goes.
      await waitFor('the cancelled message’s job to be done', async () =>
        (await jobsOf(cancelled)).length === 0 ? true : undefined,
      );
      await messageReaches(service, key, kept, 'read');
      // Long untouched, it is still no lost message to the reconciler: it queues no job for it.
      await service.context
        .get(DataSource)
        .query(`UPDATE messages SET updated_at = now() - interval '1 hour' WHERE id = $1`, [cancelled]);
      await withoutWorkers(async () => {
        await service.context.get(MessageDeliveryService).reconcile();
        expect(await jobsOf(cancelled)).toEqual([]);
      });

      expect(await sentTo(metaPhoneNumberId)).toEqual([kept]);
      const message = await service.api.GET('/v1/messages/{messageId}', {
        headers: bearer(key),
        params: { path: { messageId: cancelled } },
      });
      expect(message.data!.data).toMatchObject({ status: 'cancelled', attempts: 0, waMessageId: null, sentAt: null });
      expect(await statusesOf(key, cancelled)).toEqual(['cancelled']);
      // It never reached WhatsApp, so there is nothing to quote.
      const quoting = await sendMessage(service, key, {
        phoneNumberId,
        to,
        type: 'text',
        text: { body: 'About that' },
        replyTo: cancelled,
      });
      expect(quoting.response.status).toBe(400);
      expect(quoting.error!.error.details).toEqual([expect.objectContaining({ field: 'replyTo' })]);
      const events = await service.api.GET('/v1/events', {
        headers: bearer(key),
        params: { query: { type: 'message.*' } },
      });
      const mine = events.data!.data.filter((event) => (event.data as { id: string }).id === cancelled);
      expect(mine.map((event) => [event.type, event.sequence])).toEqual([
        ['message.cancelled', 2],
        ['message.queued', 1],
      ]);
      // The event is the message as the API shows it, naming the customer like its other events.
      const contact = await service.api.GET('/v1/contacts/{contactId}', {
        headers: bearer(key),
        params: { path: { contactId: message.data!.data.contactId! } },
      });
      expect(mine[0].data).toEqual({
        ...message.data!.data,
        metadata: null,
        contactIdentifier: contact.data!.data.contactIdentifier,
        contactReplyTo: to,
      });
      const webhook = await inbox.next('message.cancelled', (candidate) => candidate.body?.id === mine[0].id);
      expect(webhook.body).toMatchObject({ type: 'message.cancelled', data: { id: cancelled, status: 'cancelled' } });
    } finally {
      await inbox.close();
    }
  });

  it('cancels one message of a batch while it waits, and sends the others', async () => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service, { syncTemplates: true });
    const recipients = [...new Set(Array.from({ length: 6 }, customerPhone))].slice(0, 3).map((to) => ({ to }));
    const batchOf = async (batchId: string) =>
      (await service.api.GET('/v1/messages/batch/{batchId}', { headers: bearer(key), params: { path: { batchId } } }))
        .data!.data;
    const batch = await withoutWorkers(async () => {
      const accepted = await service.api.POST('/v1/messages/batch', {
        headers: bearer(key),
        body: { phoneNumberId, type: 'template', template: helloWorld, recipients } as never,
      });
      expect(accepted.data!.data.accepted).toBe(3);
      const answer = await cancel(key, accepted.data!.data.messages[1].id);
      expect(answer.response.status).toBe(200);
      expect(answer.data!.data.status).toBe('cancelled');
      expect((await batchOf(accepted.data!.data.id)).counts).toMatchObject({ queued: 2, cancelled: 1 });
      return accepted.data!.data;
    });
    const done = await waitFor('the batch to be read', async () => {
      const current = await batchOf(batch.id);
      return current.counts.read === 2 ? current : undefined;
    });
    expect(done.counts).toMatchObject({ queued: 0, sending: 0, cancelled: 1 });
    const [first, second, third] = batch.messages.map((message) => message.id);
    expect(await sentTo(metaPhoneNumberId)).toEqual([first, third].sort());
    expect(await statusesOf(key, second)).toEqual(['cancelled']);
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
