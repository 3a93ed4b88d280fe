import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetaGraphClient, OutboundMessage } from '@libs/meta-graph';
import { createMetaSandbox, MAGIC_RECIPIENTS, MetaSandbox } from '@libs/meta-sandbox';
import { MetaOpenApi } from '../helpers/meta-openapi';
import { waitFor } from '../helpers/wait-for';
import { messageOf, statusesOf, statusOf, WebhookInbox } from '../helpers/webhook-inbox';

const APP_SECRET = 'contract-app-secret';
const MESSAGES = '/{Version}/{Phone-Number-ID}/messages';

/**
 * The sandbox against Meta's OpenAPI: its responses, error objects and webhooks must be what
 * Meta's spec says, and its scripted failures must carry Meta's codes.
 */
describe('Meta sandbox contract', () => {
  const openapi = MetaOpenApi.load();
  let sandbox: MetaSandbox;
  let inbox: WebhookInbox;
  let token: string;
  let wabaId: string;
  let phoneId: string;
  let customerCounter = 0;
  /** When set, the sandbox's rate limits see this time: a burst is judged at one instant, however slow the machine. */
  let heldAt: number | undefined;

  beforeAll(async () => {
    inbox = await WebhookInbox.start();
    sandbox = await createMetaSandbox({
      appSecret: APP_SECRET,
      webhookUrl: inbox.url,
      statusDelaysMs: { sent: 0, delivered: 0, read: 0 },
      templateReviewDelayMs: 0,
      webhookRetry: { attempts: 3, backoffMs: 10 },
      clock: () => heldAt ?? Date.now(),
    });
    token = 'EAAG-contract-token';
    wabaId = sandbox.createWaba({ name: 'Contract', accessToken: token }).id;
    phoneId = sandbox.createPhoneNumber(wabaId, { displayPhoneNumber: '+1 555-010-0001', verifiedName: 'Contract' }).id;
  });
  afterAll(async () => {
    await sandbox.close();
    await inbox.close();
  });

  async function graph(method: string, path: string, body?: unknown, bearer: string | undefined = token) {
    const response = await fetch(`${sandbox.url}/v25.0/${path}`, {
      method,
      headers: {
        ...(bearer && { authorization: `Bearer ${bearer}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  }

  /** A new customer who has just written to the phone, so the service window is open. */
  async function customerInWindow(): Promise<string> {
    customerCounter += 1;
    const from = `1650555${String(customerCounter).padStart(4, '0')}`;
    await sandbox.simulateInbound({ phoneNumberId: phoneId, from, type: 'text', content: { body: 'hi' } });
    return from;
  }

  const send = (to: string, message: Record<string, unknown>) =>
    graph('POST', `${phoneId}/messages`, { messaging_product: 'whatsapp', to, ...message });

  function expectGraphError(result: { status: number; body: any }, code: number, httpStatus = 400) {
    expect(openapi.graphErrorErrors(result.body)).toEqual([]);
    expect(result.status).toBe(httpStatus);
    expect(result.body.error).toMatchObject({ code, message: expect.stringContaining(`(#${code})`) });
    expect(result.body.error.fbtrace_id).toEqual(expect.any(String));
    expect(result.body.error.error_data).toMatchObject({ messaging_product: 'whatsapp', details: expect.any(String) });
  }

  const statusWebhook = (messageId: string, status: string) =>
    inbox.next(`${status} of ${messageId}`, (webhook) => statusOf(webhook, messageId, status) !== undefined);

  describe('sending', () => {
    it('accepts a text inside the service window and reports sent, delivered, read as signed, spec-shaped webhooks', async () => {
      const to = await customerInWindow();
      const result = await send(`+${to}`, { type: 'text', text: { body: 'Your order shipped' } });

      expect(result.status).toBe(200);
      expect(openapi.responseErrors('POST', MESSAGES, 200, result.body)).toEqual([]);
      expect(result.body.contacts).toEqual([{ input: `+${to}`, wa_id: to }]);
      expect(result.headers.get('facebook-api-version')).toBe('v25.0');
      const messageId = result.body.messages[0].id as string;
      expect(messageId).toMatch(/^wamid\./);

      for (const status of ['sent', 'delivered', 'read']) {
        const webhook = await statusWebhook(messageId, status);
        const expected = `sha256=${createHmac('sha256', APP_SECRET).update(webhook.raw).digest('hex')}`;
        expect(webhook.headers['x-hub-signature-256']).toBe(expected);
        expect(openapi.webhookErrors(webhook.body)).toEqual([]);
        expect(webhook.body.entry[0].id).toBe(wabaId);
        expect(statusOf(webhook, messageId, status)).toMatchObject({
          recipient_id: to,
          recipient_user_id: expect.stringMatching(/^US\./),
        });
      }
      const order = inbox.received
        .flatMap(statusesOf)
        .filter((status) => status.id === messageId)
        .map((status) => status.status);
      expect(order).toEqual(['sent', 'delivered', 'read']);
      expect(sandbox.sentMessages(phoneId).at(-1)?.messageId).toBe(messageId);
    });

    it('fails a non-template message to a customer who never wrote with 131047, delivered as a failed status', async () => {
      const result = await send('+16505559999', { type: 'text', text: { body: 'hello?' } });
      expect(result.status).toBe(200);
      const failed = await statusWebhook(result.body.messages[0].id, 'failed');
      expect(openapi.webhookErrors(failed.body)).toEqual([]);
      expect(statusOf(failed, result.body.messages[0].id).errors[0]).toMatchObject({
        code: 131047,
        title: 'Re-engagement message',
      });
    });

    it("sends Meta's default hello_world template to anyone, and only templates that exist", async () => {
      const ok = await send('+16505558888', {
        type: 'template',
        template: { name: 'hello_world', language: { code: 'en_US' } },
      });
      expect(ok.status).toBe(200);
      await statusWebhook(ok.body.messages[0].id, 'delivered');

      const missing = await send('+16505558888', {
        type: 'template',
        template: { name: 'nope', language: { code: 'en_US' } },
      });
      expectGraphError(missing, 132001);
      const wrongCount = await send('+16505558888', {
        type: 'template',
        template: {
          name: 'hello_world',
          language: { code: 'en_US' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'x' }] }],
        },
      });
      expectGraphError(wrongCount, 132000);
    });

    it('enforces the per-type limits of the Cloud API', async () => {
      const to = await customerInWindow();
      expectGraphError(await send(to, { type: 'text', text: { body: 'x'.repeat(4097) } }), 100);
      expectGraphError(
        await send(to, { type: 'image', image: { link: 'https://x.example/a.png', caption: 'c'.repeat(1025) } }),
        100,
      );
      expectGraphError(await send(to, { type: 'image', image: { id: '1', link: 'https://x.example/a.png' } }), 100);
      const buttons = (count: number) =>
        Array.from({ length: count }, (_, index) => ({
          type: 'reply',
          reply: { id: `b${index}`, title: `Button ${index}` },
        }));
      expectGraphError(
        await send(to, {
          type: 'interactive',
          interactive: { type: 'button', body: { text: 'Pick' }, action: { buttons: buttons(4) } },
        }),
        100,
      );
      const rows = (count: number, prefix: string) =>
        Array.from({ length: count }, (_, index) => ({ id: `${prefix}${index}`, title: `Row ${index}` }));
      expectGraphError(
        await send(to, {
          type: 'interactive',
          interactive: {
            type: 'list',
            body: { text: 'Pick' },
            action: {
              button: 'Menu',
              sections: [
                { title: 'A', rows: rows(6, 'a') },
                { title: 'B', rows: rows(5, 'b') },
              ],
            },
          },
        }),
        131009,
      );
      expectGraphError(await send(to, { type: 'text' }), 131008);
      const ok = await send(to, {
        type: 'interactive',
        interactive: { type: 'button', body: { text: 'Pick' }, action: { buttons: buttons(3) } },
      });
      expect(ok.status).toBe(200);
    });

    it('answers to a BSUID recipient with user_id instead of wa_id', async () => {
      const result = await send('', {
        to: undefined,
        recipient: 'US.13491208655302741918',
        type: 'template',
        template: { name: 'hello_world', language: { code: 'en_US' } },
      });
      expect(result.status).toBe(200);
      expect(result.body.contacts).toEqual([{ input: 'US.13491208655302741918', user_id: 'US.13491208655302741918' }]);
    });

    it('limits a STANDARD phone to 80 messages per second with 130429', async () => {
      const busy = sandbox.createPhoneNumber(wabaId, {
        displayPhoneNumber: '+1 555-010-0002',
        verifiedName: 'Busy',
      }).id;
      // hello_world to `count` distinct customers at once.
      const burst = (count: number, prefix: string) =>
        Promise.all(
          Array.from({ length: count }, (_, index) =>
            graph('POST', `${busy}/messages`, {
              messaging_product: 'whatsapp',
              to: `${prefix}${String(index).padStart(4, '0')}`,
              type: 'template',
              template: { name: 'hello_world', language: { code: 'en_US' } },
            }),
          ),
        );
      heldAt = Date.now();
      try {
        const results = await burst(200, '1650666');
        const throttled = results.filter((result) => result.status !== 200);
        // One second's budget of a STANDARD phone, at one instant: 80 pass, the other 120 are refused.
        expect(results.length - throttled.length).toBe(80);
        expect(throttled).toHaveLength(120);
        expectGraphError(throttled[0], 130429);

        // A second later, the next second's budget.
        heldAt += 1000;
        const next = await burst(81, '1650667');
        expect(next.filter((result) => result.status === 200)).toHaveLength(80);
      } finally {
        heldAt = undefined;
      }
    });

    it('limits messages to one customer to a burst of 45 with 131056', async () => {
      const pair = sandbox.createPhoneNumber(wabaId, {
        displayPhoneNumber: '+1 555-010-0003',
        verifiedName: 'Pair',
      }).id;
      const template = { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };
      const statuses: number[] = [];
      for (let index = 0; index < 46; index += 1) {
        const result = await graph('POST', `${pair}/messages`, {
          messaging_product: 'whatsapp',
          to: '16505557777',
          ...template,
        });
        statuses.push(result.status);
        if (index === 45) {
          expectGraphError(result, 131056);
        }
      }
      expect(statuses.filter((status) => status === 200)).toHaveLength(45);
    });

    it('refuses to send from an unregistered phone with 133010', async () => {
      const unregistered = sandbox.createPhoneNumber(wabaId, {
        displayPhoneNumber: '+1 555-010-0004',
        verifiedName: 'New',
        registered: false,
      }).id;
      const result = await graph('POST', `${unregistered}/messages`, {
        messaging_product: 'whatsapp',
        to: '16505550000',
        type: 'template',
        template: { name: 'hello_world', language: { code: 'en_US' } },
      });
      expectGraphError(result, 133010);
    });
  });

  describe('magic recipients', () => {
    const template = { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };

    it.each([
      ['throughputExceeded', 130429, 400],
      ['pairRateLimited', 131056, 400],
      ['invalidParameter', 100, 400],
    ] as const)('%s answers the send with Meta error %i', async (name, code, httpStatus) => {
      expectGraphError(await send(MAGIC_RECIPIENTS[name], template), code, httpStatus);
    });

    it('serverErrorOnce answers 500 with transient 131000 once, then accepts', async () => {
      const first = await send(MAGIC_RECIPIENTS.serverErrorOnce, template);
      expectGraphError(first, 131000, 500);
      expect(first.body.error.is_transient).toBe(true);
      expect((await send(MAGIC_RECIPIENTS.serverErrorOnce, template)).status).toBe(200);
    });

    it('serverErrorAlways answers 500 with transient 131000 on every send', async () => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expectGraphError(await send(MAGIC_RECIPIENTS.serverErrorAlways, template), 131000, 500);
      }
    });

    it.each([
      ['throughputExceededFourTimes', 130429],
      ['pairRateLimitedFourTimes', 131056],
    ] as const)('%s answers the first four sends with %i, then accepts', async (name, code) => {
      for (let attempt = 0; attempt < 4; attempt += 1) {
        expectGraphError(await send(MAGIC_RECIPIENTS[name], template), code, 400);
      }
      expect((await send(MAGIC_RECIPIENTS[name], template)).status).toBe(200);
    });

    it.each([
      ['undeliverable', 131026],
      ['outsideWindow', 131047],
    ] as const)('%s accepts the send, then fails it with %i in a status webhook', async (name, code) => {
      const result = await send(MAGIC_RECIPIENTS[name], { type: 'text', text: { body: 'hi' } });
      expect(result.status).toBe(200);
      const failed = await statusWebhook(result.body.messages[0].id, 'failed');
      expect(openapi.webhookErrors(failed.body)).toEqual([]);
      expect(statusOf(failed, result.body.messages[0].id).errors).toEqual([
        expect.objectContaining({ code, error_data: { details: expect.any(String) } }),
      ]);
    });

    it('neverReads delivers without a read', async () => {
      const result = await send(MAGIC_RECIPIENTS.neverReads, template);
      const messageId = result.body.messages[0].id;
      await statusWebhook(messageId, 'delivered');
      const later = await send(MAGIC_RECIPIENTS.neverReads, template);
      await statusWebhook(later.body.messages[0].id, 'delivered');
      expect(inbox.received.some((webhook) => statusOf(webhook, messageId, 'read') !== undefined)).toBe(false);
    });
  });

  describe('status webhooks while the callback is busy', () => {
    const template = { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };
    /** A callback that holds each POST until the test lets it answer, recording the statuses it got. */
    async function heldCallback() {
      const held: (() => void)[] = [];
      const posts: { statuses: any[]; entries: number }[] = [];
      const server = createServer((request, response) => {
        let raw = '';
        request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        request.on('end', () => {
          const body = JSON.parse(raw);
          posts.push({
            statuses: statusesOf({ headers: request.headers, raw: Buffer.from(raw), body }),
            entries: body.entry.length,
          });
          held.push(() => response.writeHead(200).end());
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      return { url, posts, held, close: () => new Promise((resolve) => server.close(resolve)) };
    }

    it.each([
      ['batches the statuses that wait into one webhook', 100, [1, 5]],
      ['sends every status alone with maxChanges 1', 1, [1, 1, 1, 1, 1, 1]],
    ])('%s', async (_case, maxChanges, sizes) => {
      const callback = await heldCallback();
      const busy = await createMetaSandbox({
        appSecret: APP_SECRET,
        webhookUrl: callback.url,
        statusDelaysMs: { sent: 0, delivered: 60_000, read: 60_000 },
        webhookBatching: { maxChanges, inFlight: 1 },
      });
      try {
        const waba = busy.createWaba({ name: 'Busy', accessToken: 'EAAG-busy' });
        const phone = busy.createPhoneNumber(waba.id, { displayPhoneNumber: '+1 555-010-0002', verifiedName: 'Busy' });
        const sendOne = async () => {
          const response = await fetch(`${busy.url}/v25.0/${phone.id}/messages`, {
            method: 'POST',
            headers: { authorization: 'Bearer EAAG-busy', 'content-type': 'application/json' },
            body: JSON.stringify({ messaging_product: 'whatsapp', to: '+15551230001', ...template }),
          });
          return ((await response.json()) as { messages: { id: string }[] }).messages[0].id;
        };
        const first = await sendOne();
        await waitFor('the first status to be posted', async () => (callback.posts.length === 1 ? true : undefined));
        // The callback has not answered: the next statuses wait for it.
        const later = [await sendOne(), await sendOne(), await sendOne(), await sendOne(), await sendOne()];
        for (let answered = 0; answered < sizes.length; answered += 1) {
          await waitFor('the next post', async () => (callback.posts.length > answered ? true : undefined));
          callback.held[answered]();
        }
        expect(callback.posts.map((post) => post.statuses.length)).toEqual(sizes);
        expect(callback.posts.flatMap((post) => post.statuses.map((status) => status.id))).toEqual([first, ...later]);
        expect(callback.posts.every((post) => post.entries === 1)).toBe(true);
        expect(callback.posts.flatMap((post) => post.statuses.map((status) => status.status))).toEqual(
          Array(6).fill('sent'),
        );
      } finally {
        await busy.close();
        await callback.close();
      }
    });
  });

  describe('inbound simulation', () => {
    const cases: Array<[string, object, { context?: boolean }]> = [
      ['text', { body: 'Does it come in blue?' }, {}],
      ['image', { caption: 'this one' }, {}],
      ['audio', { voice: true }, {}],
      ['video', {}, {}],
      ['document', { filename: 'invoice.pdf' }, {}],
      ['sticker', {}, {}],
      ['location', { latitude: 52.52, longitude: 13.405, name: 'Office', address: 'Unter den Linden 1' }, {}],
      [
        'contacts',
        [
          {
            name: { formatted_name: 'Ada Lovelace', first_name: 'Ada' },
            phones: [{ phone: '+4420000', type: 'WORK' }],
          },
        ],
        {},
      ],
      ['interactive', { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } }, { context: true }],
      ['button', { payload: 'STOP', text: 'Stop promotions' }, { context: true }],
      ['reaction', { message_id: 'wamid.OUT', emoji: '👍' }, {}],
    ];

    it.each(cases)('delivers a %s message as Meta shapes it', async (type, content, extra) => {
      const result = await sandbox.simulateInbound({
        phoneNumberId: phoneId,
        from: '+4915112345678',
        userId: 'DE.9876543210',
        username: 'ada.l',
        profileName: 'Ada',
        type: type as 'text',
        content,
        context: extra.context ? { id: 'wamid.OUTBOUND' } : undefined,
      });
      const webhook = await inbox.next(`inbound ${type}`, (candidate) => messageOf(candidate)?.id === result.messageId);
      expect(openapi.webhookErrors(webhook.body)).toEqual([]);
      const value = webhook.body.entry[0].changes[0].value;
      expect(value.metadata).toEqual({ display_phone_number: '15550100001', phone_number_id: phoneId });
      expect(value.contacts).toEqual([
        { profile: { name: 'Ada', username: 'ada.l' }, wa_id: '4915112345678', user_id: 'DE.9876543210' },
      ]);
      const message = messageOf(webhook);
      expect(message).toMatchObject({
        from: '4915112345678',
        from_user_id: 'DE.9876543210',
        type,
        timestamp: expect.stringMatching(/^\d+$/),
      });
      expect(message[type]).toBeDefined();
      if (extra.context) {
        expect(message.context).toEqual({ from: '15550100001', id: 'wamid.OUTBOUND' });
      }
      if (['image', 'audio', 'video', 'document', 'sticker'].includes(type)) {
        const media = await graph('GET', message[type].id);
        expect(media.body).toMatchObject({ mime_type: message[type].mime_type, id: message[type].id });
        const download = await fetch(media.body.url, { headers: { authorization: `Bearer ${token}` } });
        expect(download.status).toBe(200);
      }
    });

    it('omits the phone for a customer known only by BSUID', async () => {
      const result = await sandbox.simulateInbound({
        phoneNumberId: phoneId,
        userId: 'BR.5550001',
        type: 'text',
        content: { body: 'oi' },
      });
      const webhook = await inbox.next(
        'bsuid-only inbound',
        (candidate) => messageOf(candidate)?.id === result.messageId,
      );
      expect(messageOf(webhook).from).toBeUndefined();
      expect(webhook.body.entry[0].changes[0].value.contacts[0]).toEqual({ user_id: 'BR.5550001' });
    });

    it('retries a webhook the callback failed, until it is acknowledged', async () => {
      inbox.failNext(2);
      const result = await sandbox.simulateInbound({
        phoneNumberId: phoneId,
        from: '16505550101',
        type: 'text',
        content: { body: 'again' },
      });
      const attempts = sandbox
        .deliveredWebhooks()
        .filter((attempt) => JSON.stringify(attempt.body).includes(result.messageId));
      expect(attempts.map((attempt) => attempt.status)).toEqual([500, 500, 200]);
    });

    it('lets the business mark an inbound message read, with a typing indicator', async () => {
      const { messageId } = await sandbox.simulateInbound({
        phoneNumberId: phoneId,
        from: '16505550102',
        type: 'text',
        content: { body: 'hi' },
      });
      const read = await graph('POST', `${phoneId}/messages`, {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
        typing_indicator: { type: 'text' },
      });
      expect(read.body).toEqual({ success: true });
      expect(sandbox.readReceipts(phoneId).at(-1)?.messageId).toBe(messageId);
      expectGraphError(
        await graph('POST', `${phoneId}/messages`, {
          messaging_product: 'whatsapp',
          status: 'read',
          message_id: 'wamid.unknown',
        }),
        100,
      );
    });
  });

  describe('accounts, media and templates', () => {
    it('serves phone numbers and the WABA in the shapes of the spec', async () => {
      const phone = await graph(
        'GET',
        `${phoneId}?fields=id,display_phone_number,verified_name,quality_rating,status,throughput,code_verification_status,platform_type`,
      );
      expect(openapi.responseErrors('GET', '/{Version}/{Phone-Number-ID}', 200, phone.body)).toEqual([]);
      expect(phone.body).toMatchObject({
        id: phoneId,
        quality_rating: 'GREEN',
        status: 'CONNECTED',
        throughput: { level: 'STANDARD' },
      });
      const list = await graph('GET', `${wabaId}/phone_numbers?limit=2`);
      expect(openapi.responseErrors('GET', '/{Version}/{WABA-ID}/phone_numbers', 200, list.body)).toEqual([]);
      expect(list.body.data).toHaveLength(2);
      expect(list.body.paging.next).toEqual(expect.stringContaining('after='));
      const waba = await graph(
        'GET',
        `${wabaId}?fields=id,name,currency,timezone_id,message_template_namespace,account_review_status`,
      );
      expect(waba.body).toMatchObject({ id: wabaId, name: 'Contract', account_review_status: 'APPROVED' });
      expectGraphError(await graph('GET', `${phoneId}?fields=no_such_field`), 100);
    });

    it('rejects unknown tokens with 190 and foreign objects with 100/33', async () => {
      expectGraphError(await graph('GET', phoneId, undefined, 'EAAG-unknown'), 190, 401);
      const other = sandbox.createWaba({ name: 'Other', accessToken: 'EAAG-other' });
      const foreign = await graph('GET', phoneId, undefined, 'EAAG-other');
      expectGraphError(foreign, 100);
      expect(foreign.body.error.error_subcode).toBe(33);
      expect((await graph('GET', other.id, undefined, 'EAAG-other')).status).toBe(200);
    });

    it('uploads, describes, downloads and deletes media', async () => {
      const form = new FormData();
      form.set('messaging_product', 'whatsapp');
      form.set('type', 'image/png');
      form.set('file', new Blob([Buffer.from('png-bytes')], { type: 'image/png' }), 'a.png');
      const upload = await fetch(`${sandbox.url}/v25.0/${phoneId}/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      const { id } = (await upload.json()) as { id: string };
      expect(id).toMatch(/^\d+$/);
      const info = await graph('GET', `${id}?phone_number_id=${phoneId}`);
      expect(openapi.responseErrors('GET', '/{Version}/{Media-ID}', 200, info.body)).toEqual([]);
      expect(info.body).toMatchObject({ mime_type: 'image/png', file_size: '9' });
      expect((await fetch(info.body.url)).status).toBe(400);
      const download = await fetch(info.body.url, { headers: { authorization: `Bearer ${token}` } });
      expect(Buffer.from(await download.arrayBuffer()).toString()).toBe('png-bytes');
      expect((await graph('DELETE', id)).body).toEqual({ success: true });
      expect((await graph('GET', id)).status).toBe(400);
    });

    it('reviews created templates and reports the outcome in message_template_status_update', async () => {
      const created = await graph('POST', `${wabaId}/message_templates`, {
        name: 'order_update',
        language: 'en_US',
        category: 'utility',
        components: [{ type: 'body', text: 'Order {{1}} has shipped today.', example: { body_text: [['A-1']] } }],
      });
      expect(created.body).toEqual({ id: expect.any(String), status: 'PENDING', category: 'UTILITY' });
      const approved = await inbox.next(
        'template approval',
        (webhook) => webhook.body.entry[0].changes[0].value.message_template_id === Number(created.body.id),
      );
      expect(approved.body.entry[0].changes[0]).toMatchObject({
        field: 'message_template_status_update',
        value: { event: 'APPROVED' },
      });

      const rejected = await graph('POST', `${wabaId}/message_templates`, {
        name: 'reject_me',
        language: 'en_US',
        category: 'MARKETING',
        components: [{ type: 'BODY', text: 'Buy now' }],
      });
      const review = await inbox.next(
        'template rejection',
        (webhook) => webhook.body.entry[0].changes[0].value.message_template_id === Number(rejected.body.id),
      );
      expect(review.body.entry[0].changes[0].value).toMatchObject({ event: 'REJECTED', reason: 'INVALID_FORMAT' });

      const sent = await send('+16505558888', {
        type: 'template',
        template: {
          name: 'order_update',
          language: { code: 'en_US' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-9' }] }],
        },
      });
      expect(sent.status).toBe(200);
      await sandbox.setTemplateStatus(wabaId, 'order_update', 'en_US', 'PAUSED');
      expectGraphError(
        await send('+16505558888', {
          type: 'template',
          template: {
            name: 'order_update',
            language: { code: 'en_US' },
            components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-9' }] }],
          },
        }),
        132015,
      );
      expectGraphError(
        await graph('POST', `${wabaId}/message_templates`, {
          name: 'Bad Name',
          language: 'en_US',
          category: 'UTILITY',
          components: [],
        }),
        100,
      );
    });

    it('exchanges an Embedded Signup code for the business token once', async () => {
      sandbox.registerSignupCode('code-1', 'EAAG-business');
      const exchange = (secret: string) =>
        fetch(`${sandbox.url}/v25.0/oauth/access_token?client_id=1&client_secret=${secret}&code=code-1`).then(
          async (r) => ({ status: r.status, body: (await r.json()) as any }),
        );
      expectGraphError(await exchange('wrong'), 1);
      expect((await exchange(APP_SECRET)).body).toEqual({ access_token: 'EAAG-business', token_type: 'bearer' });
      expectGraphError(await exchange(APP_SECRET), 100);
    });
  });

  describe('requests of libs/meta-graph', () => {
    const messages: Array<[string, OutboundMessage]> = [
      ['text', { to: '+16505551234', type: 'text', text: { body: 'Hi', preview_url: true } }],
      [
        'image by link',
        { to: '+16505551234', type: 'image', image: { link: 'https://x.example/a.png', caption: 'A' } },
      ],
      [
        'document',
        { to: '+16505551234', type: 'document', document: { link: 'https://x.example/a.pdf', filename: 'a.pdf' } },
      ],
      [
        'location',
        { to: '+16505551234', type: 'location', location: { latitude: 52.5, longitude: 13.4, name: 'Office' } },
      ],
      [
        'reply buttons',
        {
          to: '+16505551234',
          type: 'interactive',
          interactive: {
            type: 'button',
            body: { text: 'Pick one' },
            action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'A' } }] },
          },
        },
      ],
      [
        'template',
        {
          to: '+16505551234',
          type: 'template',
          template: { name: 'hello_world', language: { code: 'en_US' } },
        },
      ],
    ];

    it.each(messages)('sends %s in the shape of Meta’s Message schema', async (_name, message) => {
      const client = new MetaGraphClient({ baseUrl: sandbox.url, apiVersion: 'v25.0', timeoutMs: 5000 });
      try {
        await customerInWindow();
        const result = await client.sendMessage(token, phoneId, message);
        const sent = sandbox.sentMessages(phoneId).find((request) => request.messageId === result.messages[0].id);
        expect(openapi.requestErrors('POST', MESSAGES, sent!.body)).toEqual([]);
      } finally {
        await client.close();
      }
    });
  });
});
