import { createHash, createHmac, randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { newId } from '../../src/common/ids';
import { SandboxHost } from '../../src/modules/meta/sandbox-host';
import { applyParkedStatuses } from '../../src/modules/meta-webhooks/ingestion/message-statuses';
import { MetaWebhookEvent } from '../../src/modules/meta-webhooks/meta-webhook-event.entity';
import { PersonalAccessTokensService } from '../../src/auth/personal-access-tokens/personal-access-tokens.service';
import { MetaWebhooksService } from '../../src/modules/meta-webhooks/meta-webhooks.service';
import { UsersService } from '../../src/modules/users/users.service';
import { bearer, newTenant, patHeaders } from '../helpers/factories';
import { customerPhone, sandboxTenant } from '../helpers/sending';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { TEST_SECRETS } from '../setup/test-environment';

type Tenant = Awaited<ReturnType<typeof newTenant>>;

/** Inbound webhooks → contacts, conversations, messages and statuses, read through the API. */
describe('Inbound messages, conversations and contacts', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.close());

  async function inbound(key: string, body: Record<string, unknown>) {
    const { data, error } = await service.api.POST('/v1/sandbox/inbound', {
      headers: bearer(key),
      body: body as never,
    });
    if (!data) {
      throw new Error(`inbound failed: ${JSON.stringify(error)}`);
    }
    return data.data.messageId;
  }

  const conversations = (key: string, query: Record<string, unknown> = {}) =>
    service.api.GET('/v1/conversations', { headers: bearer(key), params: { query } });

  /** The stored message with that wamid, once the worker has ingested it. */
  async function ingested(key: string, waMessageId: string) {
    return waitFor(`message ${waMessageId} to be ingested`, async () => {
      const list = await conversations(key, { limit: 100 });
      for (const conversation of list.data?.data ?? []) {
        const messages = await service.api.GET('/v1/conversations/{conversationId}/messages', {
          headers: bearer(key),
          params: { path: { conversationId: conversation.id }, query: { limit: 100 } },
        });
        const found = messages.data?.data.find((message) => message.waMessageId === waMessageId);
        if (found) {
          return { conversation, message: found };
        }
      }
      return undefined;
    });
  }

  const sign = (body: string) =>
    `sha256=${createHmac('sha256', TEST_SECRETS.META_APP_SECRET).update(body).digest('hex')}`;
  async function postWebhook(payload: unknown) {
    const body = JSON.stringify(payload);
    const response = await fetch(`${service.url}/v1/webhooks/meta`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
      body,
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: { eventId: string } }).data.eventId;
  }
  const processedEvent = (eventId: string) =>
    waitFor('the webhook to be processed', async () => {
      const row = await service.context
        .get(DataSource)
        .getRepository(MetaWebhookEvent)
        .findOneByOrFail({ id: eventId });
      return row.status === 'received' ? undefined : row;
    });

  const messagesValue = (metaPhoneNumberId: string, extra: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: metaPhoneNumberId },
              ...extra,
            },
          },
        ],
      },
    ],
  });

  describe('every inbound type', () => {
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
      ['text', { text: { body: 'Does it come in blue?' } }, { text: { body: 'Does it come in blue?' } }],
      [
        'image',
        { image: { caption: 'this one' } },
        { image: { caption: 'this one', mimeType: 'image/jpeg', id: expect.any(String), sha256: expect.any(String) } },
      ],
      ['audio', { audio: { voice: true } }, { audio: { voice: true, mimeType: expect.stringContaining('audio/') } }],
      ['video', { video: {} }, { video: { mimeType: 'video/mp4' } }],
      [
        'document',
        { document: { filename: 'invoice.pdf' } },
        { document: { filename: 'invoice.pdf', mimeType: 'application/pdf' } },
      ],
      ['sticker', { sticker: {} }, { sticker: { animated: false, mimeType: 'image/webp' } }],
      [
        'location',
        { location: { latitude: 52.52, longitude: 13.405, name: 'Office' } },
        { location: { latitude: 52.52, longitude: 13.405, name: 'Office' } },
      ],
      [
        'contacts',
        { contacts: [{ name: { formatted_name: 'Sam Lee', first_name: 'Sam' } }] },
        { contacts: [{ name: { formattedName: 'Sam Lee', firstName: 'Sam' } }] },
      ],
      [
        'interactive',
        {
          interactive: { type: 'list_reply', list_reply: { id: 'row-2', title: 'Blue', description: 'Navy blue' } },
          context: { messageId: 'wamid.OUT1' },
        },
        { interactive: { type: 'list_reply', listReply: { id: 'row-2', title: 'Blue', description: 'Navy blue' } } },
      ],
      [
        'button',
        { button: { payload: 'STOP', text: 'Stop promotions' }, context: { messageId: 'wamid.OUT2' } },
        { button: { payload: 'STOP', text: 'Stop promotions' } },
      ],
      [
        'reaction',
        { reaction: { message_id: 'wamid.OUT3', emoji: '👍' } },
        { reaction: { messageId: 'wamid.OUT3', emoji: '👍' } },
      ],
      [
        'order',
        {
          order: {
            catalog_id: 'c1',
            text: '',
            product_items: [{ product_retailer_id: 'sku-1', quantity: 2, item_price: 9.5, currency: 'USD' }],
          },
        },
        {
          order: {
            catalogId: 'c1',
            productItems: [{ productRetailerId: 'sku-1', quantity: 2, itemPrice: 9.5, currency: 'USD' }],
          },
        },
      ],
      [
        'unsupported',
        { unsupported: { type: 'poll' } },
        { unsupported: { type: 'poll' }, errors: [expect.objectContaining({ code: 131051 })] },
      ],
    ];

    it.each(cases)('stores an inbound %s with its content in camelCase', async (type, body, expected) => {
      const { key, phoneNumberId } = await sandboxTenant(service);
      const waMessageId = await inbound(key, {
        phoneNumberId,
        from: customerPhone(),
        profileName: 'Ahmed',
        type,
        ...body,
      });
      const { message, conversation } = await ingested(key, waMessageId);
      expect(message).toMatchObject({
        direction: 'inbound',
        type,
        status: 'received',
        phoneNumberId,
        conversationId: conversation.id,
      });
      expect(message.content).toMatchObject(expected);
      if (body.context) {
        expect(message.context).toMatchObject({ id: (body.context as { messageId: string }).messageId });
      }
    });

    it('downloads inbound media from WhatsApp and serves its content', async () => {
      const { key, phoneNumberId } = await sandboxTenant(service);
      const waMessageId = await inbound(key, {
        phoneNumberId,
        from: customerPhone(),
        type: 'document',
        document: { filename: 'invoice.pdf' },
      });
      const { message } = await ingested(key, waMessageId);
      const document = message.content.document as { mediaId: string; sha256: string };
      const media = await waitFor('the media to be downloaded', async () => {
        const result = await service.api.GET('/v1/media/{mediaId}', {
          headers: bearer(key),
          params: { path: { mediaId: document.mediaId } },
        });
        return result.data?.data.status === 'ready' ? result.data.data : undefined;
      });
      expect(media).toMatchObject({
        source: 'inbound',
        mimeType: 'application/pdf',
        filename: 'invoice.pdf',
        phoneNumberId,
      });
      expect(media.sha256).toBe(Buffer.from(document.sha256, 'base64').toString('hex'));
      const content = await fetch(`${service.url}/v1/media/${document.mediaId}/content`, { headers: bearer(key) });
      expect(content.status).toBe(200);
      expect(content.headers.get('content-type')).toBe('application/pdf');
      expect(content.headers.get('content-disposition')).toContain('invoice.pdf');
      const bytes = Buffer.from(await content.arrayBuffer());
      expect(bytes.length).toBe(media.sizeBytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(media.sha256);
    });

    it('marks media WhatsApp cannot serve as failed, and says so on download', async () => {
      const { key, phoneNumberId } = await sandboxTenant(service);
      const waMessageId = await inbound(key, {
        phoneNumberId,
        from: customerPhone(),
        type: 'image',
        image: { id: '424242', mime_type: 'image/png' },
      });
      const { message } = await ingested(key, waMessageId);
      const mediaId = (message.content.image as { mediaId: string }).mediaId;
      const media = await waitFor('the download to fail', async () => {
        const result = await service.api.GET('/v1/media/{mediaId}', {
          headers: bearer(key),
          params: { path: { mediaId } },
        });
        return result.data?.data.status === 'failed' ? result.data.data : undefined;
      });
      expect(media.error).toContain('424242');
      const content = await fetch(`${service.url}/v1/media/${mediaId}/content`, { headers: bearer(key) });
      expect(content.status).toBe(409);
      expect(((await content.json()) as { error: { code: string } }).error.code).toBe('CONFLICT');
    });
  });

  describe('contact identity', () => {
    it('keys a phone-only customer on wa_id and keeps the BSUID Meta sends with it', async () => {
      const { key, phoneNumberId } = await sandboxTenant(service);
      const from = customerPhone();
      const { conversation } = await ingested(
        key,
        await inbound(key, { phoneNumberId, from, profileName: 'Ahmed', type: 'text', text: { body: 'hi' } }),
      );
      expect(conversation.contact).toMatchObject({
        waId: from.slice(1),
        bsuid: expect.stringMatching(/^US\./),
        profileName: 'Ahmed',
        contactReplyTo: from,
      });
    });

    it('keys a BSUID-only customer on the BSUID, with its username, and replies through it', async () => {
      const { key, phoneNumberId } = await sandboxTenant(service);
      const bsuid = `US.${randomInt(1e9, 9e9)}${randomInt(1e9, 9e9)}`;
      const { conversation } = await ingested(
        key,
        await inbound(key, { phoneNumberId, userId: bsuid, username: 'ahmed.k', type: 'text', text: { body: 'hi' } }),
      );
      expect(conversation.contact).toMatchObject({
        waId: null,
        bsuid,
        username: 'ahmed.k',
        contactIdentifier: bsuid,
        contactReplyTo: bsuid,
      });
    });

    it('merges a phone-known contact into the BSUID contact once a payload shows both', async () => {
      const { key, metaPhoneNumberId } = await sandboxTenant(service);
      const waId = customerPhone().slice(1);
      const bsuid = `US.${randomInt(1e9, 9e9)}`;
      const message = (id: string, from: Record<string, string>, contact: Record<string, unknown>) =>
        messagesValue(metaPhoneNumberId, {
          contacts: [{ profile: { name: 'Lee' }, ...contact }],
          messages: [
            { ...from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: id } },
          ],
        });
      await processedEvent(await postWebhook(message(`wamid.A${waId}`, { from: waId }, { wa_id: waId })));
      await processedEvent(await postWebhook(message(`wamid.B${waId}`, { from_user_id: bsuid }, { user_id: bsuid })));
      await processedEvent(
        await postWebhook(
          message(`wamid.C${waId}`, { from: waId, from_user_id: bsuid }, { wa_id: waId, user_id: bsuid }),
        ),
      );

      const contacts = await service.api.GET('/v1/contacts', {
        headers: bearer(key),
        params: { query: { search: waId } },
      });
      expect(contacts.data!.data).toHaveLength(1);
      expect(contacts.data!.data[0]).toMatchObject({ waId, bsuid });
      const list = await conversations(key, { contactId: contacts.data!.data[0].id });
      expect(list.data!.data).toHaveLength(1);
      expect(list.data!.data[0].unreadCount).toBe(3);
      const messages = await service.api.GET('/v1/conversations/{conversationId}/messages', {
        headers: bearer(key),
        params: { path: { conversationId: list.data!.data[0].id } },
      });
      expect(messages.data!.data.map((item) => item.waMessageId).sort()).toEqual([
        `wamid.A${waId}`,
        `wamid.B${waId}`,
        `wamid.C${waId}`,
      ]);
    });
  });

  describe('at-least-once delivery', () => {
    it('stores a webhook delivered twice once', async () => {
      const { key, metaPhoneNumberId } = await sandboxTenant(service);
      const waId = customerPhone().slice(1);
      const payload = messagesValue(metaPhoneNumberId, {
        contacts: [{ profile: { name: 'Twice' }, wa_id: waId }],
        messages: [
          {
            from: waId,
            id: `wamid.DUP${waId}`,
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: 'text',
            text: { body: 'once' },
          },
        ],
      });
      await processedEvent(await postWebhook(payload));
      await processedEvent(await postWebhook(payload));
      const list = await conversations(key);
      expect(list.data!.data).toHaveLength(1);
      expect(list.data!.data[0].unreadCount).toBe(1);
    });

    it('ends read with a complete history when statuses arrive out of order, and learns the wamid from our id', async () => {
      const { tenant, key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
      const messageId = newId();
      const dataSource = service.context.get(DataSource);
      await dataSource.query(
        `INSERT INTO messages (id, organization_id, livemode, phone_number_id, direction, type, content, status, occurred_at)
         VALUES ($1, $2, false, $3, 'outbound', 'text', '{"text":{"body":"hi"}}', 'sending', now())`,
        [messageId, tenant.orgId, phoneNumberId],
      );
      const wamid = `wamid.OUT${messageId}`;
      const status = (name: string, seconds: number) =>
        messagesValue(metaPhoneNumberId, {
          statuses: [
            {
              id: wamid,
              status: name,
              timestamp: String(seconds),
              recipient_id: '15550001234',
              biz_opaque_callback_data: messageId,
            },
          ],
        });
      const now = Math.floor(Date.now() / 1000);
      for (const [name, at] of [
        ['read', now + 2],
        ['sent', now],
        ['delivered', now + 1],
        ['delivered', now + 1],
      ] as const) {
        await processedEvent(await postWebhook(status(name, at)));
      }
      const [row] = (await dataSource.query(
        `SELECT status, wa_message_id, sent_at, delivered_at, read_at FROM messages WHERE id = $1`,
        [messageId],
      )) as {
        status: string;
        wa_message_id: string;
        sent_at: Date;
        delivered_at: Date;
        read_at: Date;
      }[];
      expect(row).toMatchObject({ status: 'read', wa_message_id: wamid });
      expect([row.sent_at, row.delivered_at, row.read_at].map((date) => date.getTime() / 1000)).toEqual([
        now,
        now + 1,
        now + 2,
      ]);
      const history = (await dataSource.query(
        `SELECT status FROM message_status_events WHERE message_id = $1 ORDER BY occurred_at`,
        [messageId],
      )) as { status: string }[];
      expect(history.map((event) => event.status)).toEqual(['sent', 'delivered', 'read']);
      void key;
    });

    it('applies parked statuses, in order, once the message learns its wamid', async () => {
      const { tenant, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
      const dataSource = service.context.get(DataSource);
      const messageId = newId();
      await dataSource.query(
        `INSERT INTO messages (id, organization_id, livemode, phone_number_id, direction, type, content, status, occurred_at)
         VALUES ($1, $2, false, $3, 'outbound', 'text', '{"text":{"body":"hi"}}', 'sending', now())`,
        [messageId, tenant.orgId, phoneNumberId],
      );
      const wamid = `wamid.LATE${messageId}`;
      const now = Math.floor(Date.now() / 1000);
      // The statuses beat the send response: no wamid stored yet, no callback data to match on.
      for (const [name, at] of [
        ['delivered', now + 1],
        ['sent', now],
      ] as const) {
        await processedEvent(
          await postWebhook(
            messagesValue(metaPhoneNumberId, { statuses: [{ id: wamid, status: name, timestamp: String(at) }] }),
          ),
        );
      }
      await dataSource.transaction(async (manager) => {
        await manager.query(`UPDATE messages SET wa_message_id = $2, status = 'sent' WHERE id = $1`, [
          messageId,
          wamid,
        ]);
        expect(await applyParkedStatuses(manager, phoneNumberId, messageId, wamid)).toBe(2);
      });
      const [row] = await dataSource.query(`SELECT status FROM messages WHERE id = $1`, [messageId]);
      expect(row.status).toBe('delivered');
      const history = await dataSource.query(
        `SELECT status FROM message_status_events WHERE message_id = $1 ORDER BY occurred_at`,
        [messageId],
      );
      expect(history).toEqual([{ status: 'sent' }, { status: 'delivered' }]);
      expect(await dataSource.query(`SELECT 1 FROM parked_statuses WHERE wa_message_id = $1`, [wamid])).toEqual([]);
    });

    it('parks a status for a message it cannot match yet', async () => {
      const { metaPhoneNumberId, phoneNumberId } = await sandboxTenant(service);
      const eventId = await postWebhook(
        messagesValue(metaPhoneNumberId, {
          statuses: [{ id: 'wamid.UNKNOWN', status: 'delivered', timestamp: String(Math.floor(Date.now() / 1000)) }],
        }),
      );
      expect((await processedEvent(eventId)).status).toBe('processed');
      const parked = await service.context
        .get(DataSource)
        .query(`SELECT status FROM parked_statuses WHERE phone_number_id = $1`, [phoneNumberId]);
      expect(parked).toEqual([{ status: 'delivered' }]);
    });

    it('ingests payloads stored together in order, and one that cannot be stored fails alone', async () => {
      const { metaPhoneNumberId } = await sandboxTenant(service);
      const webhooks = service.context.get(MetaWebhooksService);
      const text = (from: string, id: string) =>
        messagesValue(metaPhoneNumberId, {
          messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: id } }],
        });
      const customer = customerPhone().slice(1);
      // Accepted in one turn of the event loop: stored by one INSERT and ingested by one job.
      const [first, broken, last] = await Promise.all([
        webhooks.accept(text(customer, `wamid.first${customer}`)),
        webhooks.accept(text('1'.repeat(40), `wamid.broken${customer}`)),
        webhooks.accept(text(customer, `wamid.last${customer}`)),
      ]);
      expect(await processedEvent(broken.id)).toMatchObject({ status: 'failed', error: expect.any(String) });
      expect((await processedEvent(first.id)).status).toBe('processed');
      expect((await processedEvent(last.id)).status).toBe('processed');
      const stored = (await service.context
        .get(DataSource)
        .query(`SELECT wa_message_id FROM messages WHERE wa_message_id LIKE $1 ORDER BY id`, [`%${customer}`])) as {
        wa_message_id: string;
      }[];
      expect(stored.map((row) => row.wa_message_id)).toEqual([`wamid.first${customer}`, `wamid.last${customer}`]);
    });

    it('keeps a payload for an unknown phone as unroutable', async () => {
      const eventId = await postWebhook(
        messagesValue('999000999000999', {
          messages: [{ from: '15550001234', id: 'wamid.X', timestamp: '1', type: 'text', text: { body: 'x' } }],
        }),
      );
      expect(await processedEvent(eventId)).toMatchObject({
        status: 'unroutable',
        error: expect.stringContaining('999000999000999'),
      });
    });
  });

  describe('conversations API', () => {
    it('lists newest activity first with previews, filters unread, paginates, and opens the window', async () => {
      const { key, phoneNumberId } = await sandboxTenant(service);
      const ids: string[] = [];
      for (const body of ['first', 'second', 'third']) {
        const { conversation } = await ingested(
          key,
          await inbound(key, { phoneNumberId, from: customerPhone(), type: 'text', text: { body } }),
        );
        ids.push(conversation.id);
      }
      const page1 = await conversations(key, { limit: 2 });
      expect(page1.data!.data.map((conversation) => conversation.lastMessagePreview)).toEqual(['third', 'second']);
      expect(page1.data!.meta.pagination).toMatchObject({ limit: 2, hasMore: true });
      const page2 = await conversations(key, { limit: 2, cursor: page1.data!.meta.pagination.nextCursor! });
      expect(page2.data!.data.map((conversation) => conversation.id)).toEqual([ids[0]]);
      expect(page2.data!.data[0]).toMatchObject({
        unreadCount: 1,
        canReplyFreely: true,
        lastMessageDirection: 'inbound',
      });
      expect(new Date(page2.data!.data[0].windowExpiresAt!).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
      expect((await conversations(key, { phoneNumberId, unread: true })).data!.data).toHaveLength(3);
    });

    it('pages without duplicates or gaps while new conversations and contacts arrive', async () => {
      const { key, phoneNumberId } = await sandboxTenant(service);
      const existing: string[] = [];
      for (let index = 0; index < 6; index += 1) {
        existing.push(
          (
            await ingested(
              key,
              await inbound(key, {
                phoneNumberId,
                from: customerPhone(),
                type: 'text',
                text: { body: `old ${index}` },
              }),
            )
          ).conversation.id,
        );
      }
      const seenConversations: string[] = [];
      const seenContacts: string[] = [];
      let conversationCursor: string | undefined;
      let contactCursor: string | undefined;
      do {
        const [conversationPage, contactPage] = await Promise.all([
          conversations(key, { limit: 2, ...(conversationCursor && { cursor: conversationCursor }) }),
          service.api.GET('/v1/contacts', {
            headers: bearer(key),
            params: { query: { limit: 2, ...(contactCursor && { cursor: contactCursor }) } },
          }),
          // New activity lands between page reads.
          inbound(key, { phoneNumberId, from: customerPhone(), type: 'text', text: { body: 'new' } }),
          service.api.POST('/v1/contacts', { headers: bearer(key), body: { phone: customerPhone(), name: 'New' } }),
        ]);
        seenConversations.push(...conversationPage.data!.data.map((conversation) => conversation.id));
        seenContacts.push(...contactPage.data!.data.map((contact) => contact.id));
        conversationCursor = conversationPage.data!.meta.pagination.nextCursor ?? undefined;
        contactCursor = contactPage.data!.meta.pagination.nextCursor ?? undefined;
      } while (conversationCursor || contactCursor);
      expect(new Set(seenConversations).size).toBe(seenConversations.length);
      expect(new Set(seenContacts).size).toBe(seenContacts.length);
      expect(seenConversations).toEqual(expect.arrayContaining(existing));
    });

    it('marks a conversation read here and at WhatsApp', async () => {
      const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
      const waMessageId = await inbound(key, {
        phoneNumberId,
        from: customerPhone(),
        type: 'text',
        text: { body: 'hello?' },
      });
      const { conversation } = await ingested(key, waMessageId);
      const read = await service.api.POST('/v1/conversations/{conversationId}/read', {
        headers: bearer(key),
        params: { path: { conversationId: conversation.id } },
      });
      expect(read.data!.data.unreadCount).toBe(0);
      const sandbox = await service.context.get(SandboxHost).get();
      expect(sandbox.readReceipts(metaPhoneNumberId).map((receipt) => receipt.messageId)).toContain(waMessageId);
      expect((await conversations(key, { unread: true })).data!.data).toHaveLength(0);
      const messages = await service.api.GET('/v1/conversations/{conversationId}/messages', {
        headers: bearer(key),
        params: { path: { conversationId: conversation.id } },
      });
      expect(messages.data!.data[0]).toMatchObject({ status: 'read', readAt: expect.any(String) });
    });

    it('validates filters and cursors', async () => {
      const { key } = await sandboxTenant(service);
      const bad = await conversations(key, { phoneNumberId: 'nope', cursor: 'garbage' });
      expect(bad.response.status).toBe(400);
      expect(bad.error!.error.code).toBe('VALIDATION_ERROR');
    });
  });

  describe('messages API', () => {
    it('lists and gets messages with filters, and marks one read at WhatsApp with a typing indicator', async () => {
      const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
      const from = customerPhone();
      const first = await ingested(
        key,
        await inbound(key, { phoneNumberId, from, type: 'text', text: { body: 'one' } }),
      );
      const second = await ingested(
        key,
        await inbound(key, { phoneNumberId, from, type: 'text', text: { body: 'two' } }),
      );

      const listed = await service.api.GET('/v1/messages', {
        headers: bearer(key),
        params: { query: { direction: 'inbound', conversationId: first.conversation.id, limit: 1 } },
      });
      expect(listed.data!.data.map((message) => message.id)).toEqual([second.message.id]);
      expect(listed.data!.meta.pagination.hasMore).toBe(true);
      const none = await service.api.GET('/v1/messages', {
        headers: bearer(key),
        params: { query: { direction: 'outbound' } },
      });
      expect(none.data!.data).toEqual([]);
      const one = await service.api.GET('/v1/messages/{messageId}', {
        headers: bearer(key),
        params: { path: { messageId: first.message.id } },
      });
      expect(one.data!.data).toMatchObject({
        id: first.message.id,
        content: { text: { body: 'one' } },
        status: 'received',
      });

      const read = await service.api.POST('/v1/messages/{messageId}/read', {
        headers: bearer(key),
        params: { path: { messageId: second.message.id } },
        body: { typingIndicator: true },
      });
      expect(read.data!.data).toMatchObject({ status: 'read', readAt: expect.any(String) });
      const receipt = (await service.context.get(SandboxHost).get()).readReceipts(metaPhoneNumberId).at(-1);
      expect(receipt).toMatchObject({
        messageId: second.message.waMessageId,
        body: { typing_indicator: { type: 'text' } },
      });
      // Earlier messages of the thread are read too, and nothing is unread any more.
      const earlier = await service.api.GET('/v1/messages/{messageId}', {
        headers: bearer(key),
        params: { path: { messageId: first.message.id } },
      });
      expect(earlier.data!.data.status).toBe('read');
      expect((await conversations(key, { unread: true })).data!.data).toEqual([]);
    });

    it('shows the status history of an outbound message, late statuses included', async () => {
      const { tenant, key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
      const messageId = newId();
      await service.context.get(DataSource).query(
        `INSERT INTO messages (id, organization_id, livemode, phone_number_id, direction, type, content, status, wa_message_id, occurred_at)
         VALUES ($1, $2, false, $3, 'outbound', 'text', '{"text":{"body":"hi"}}', 'sent', $4, now())`,
        [messageId, tenant.orgId, phoneNumberId, `wamid.H${messageId}`],
      );
      const now = Math.floor(Date.now() / 1000);
      for (const [status, at] of [
        ['read', now + 2],
        ['delivered', now + 1],
      ] as const) {
        await processedEvent(
          await postWebhook(
            messagesValue(metaPhoneNumberId, {
              statuses: [{ id: `wamid.H${messageId}`, status, timestamp: String(at) }],
            }),
          ),
        );
      }
      const history = await service.api.GET('/v1/messages/{messageId}/statuses', {
        headers: bearer(key),
        params: { path: { messageId } },
      });
      expect(history.data!.data.map((event) => event.status)).toEqual(['delivered', 'read']);
      const message = await service.api.GET('/v1/messages/{messageId}', {
        headers: bearer(key),
        params: { path: { messageId } },
      });
      expect(message.data!.data.status).toBe('read');
      const refused = await service.api.POST('/v1/messages/{messageId}/read', {
        headers: bearer(key),
        params: { path: { messageId } },
        body: {},
      });
      expect(refused.response.status).toBe(409);
    });

    it('validates filters, and gives another organization 404', async () => {
      const owner = await sandboxTenant(service);
      const { message } = await ingested(
        owner.key,
        await inbound(owner.key, {
          phoneNumberId: owner.phoneNumberId,
          from: customerPhone(),
          type: 'text',
          text: { body: 'x' },
        }),
      );
      const bad = await service.api.GET('/v1/messages', {
        headers: bearer(owner.key),
        params: { query: { status: 'exploded' as never } },
      });
      expect(bad.response.status).toBe(400);
      const other = await newTenant(service, { mode: 'test' });
      const path = { headers: bearer(other.apiKey.key), params: { path: { messageId: message.id } } };
      expect((await service.api.GET('/v1/messages/{messageId}', path)).response.status).toBe(404);
      expect((await service.api.GET('/v1/messages/{messageId}/statuses', path)).response.status).toBe(404);
      expect((await service.api.POST('/v1/messages/{messageId}/read', { ...path, body: {} })).response.status).toBe(
        404,
      );
    });
  });

  describe('contacts API', () => {
    it('upserts by phone idempotently, merges attributes, replaces tags and finds by tag and search', async () => {
      const { key } = await sandboxTenant(service);
      const phone = customerPhone();
      const first = await service.api.POST('/v1/contacts', {
        headers: bearer(key),
        body: { phone, name: 'Dana Scully', tags: ['vip'], attributes: { crmId: 'C-1', tier: 'gold' } },
      });
      expect(first.response.status).toBe(201);
      const again = await service.api.POST('/v1/contacts', {
        headers: bearer(key),
        body: { phone, tags: ['vip', 'fbi'], attributes: { tier: null, region: 'DC' } },
      });
      expect(again.response.status).toBe(200);
      expect(again.data!.data).toMatchObject({
        id: first.data!.data.id,
        waId: phone.slice(1),
        name: 'Dana Scully',
        tags: ['vip', 'fbi'],
        attributes: { crmId: 'C-1', region: 'DC' },
      });
      const byTag = await service.api.GET('/v1/contacts', { headers: bearer(key), params: { query: { tag: 'fbi' } } });
      expect(byTag.data!.data.map((contact) => contact.id)).toEqual([first.data!.data.id]);
      const bySearch = await service.api.GET('/v1/contacts', {
        headers: bearer(key),
        params: { query: { search: 'scul' } },
      });
      expect(bySearch.data!.data.map((contact) => contact.id)).toEqual([first.data!.data.id]);
      const byDigits = await service.api.GET('/v1/contacts', {
        headers: bearer(key),
        params: { query: { search: phone.slice(-7) } },
      });
      expect(byDigits.data!.data.map((contact) => contact.id)).toEqual([first.data!.data.id]);
    });

    it('updates, lists conversations of, and deletes a contact', async () => {
      const { key, phoneNumberId } = await sandboxTenant(service);
      const { conversation } = await ingested(
        key,
        await inbound(key, { phoneNumberId, from: customerPhone(), type: 'text', text: { body: 'hey' } }),
      );
      const contactId = conversation.contact.id;
      const patched = await service.api.PATCH('/v1/contacts/{contactId}', {
        headers: bearer(key),
        params: { path: { contactId } },
        body: { name: 'Walter', tags: ['lead'] },
      });
      expect(patched.data!.data).toMatchObject({ name: 'Walter', tags: ['lead'] });
      const theirs = await service.api.GET('/v1/contacts/{contactId}/conversations', {
        headers: bearer(key),
        params: { path: { contactId } },
      });
      expect(theirs.data!.data.map((item) => item.id)).toEqual([conversation.id]);
      const deleted = await service.api.DELETE('/v1/contacts/{contactId}', {
        headers: bearer(key),
        params: { path: { contactId } },
      });
      expect(deleted.response.status).toBe(204);
      const gone = await service.api.GET('/v1/conversations/{conversationId}', {
        headers: bearer(key),
        params: { path: { conversationId: conversation.id } },
      });
      expect(gone.response.status).toBe(404);
    });

    it('rejects bad input and changes nothing', async () => {
      const { key } = await sandboxTenant(service);
      const noIdentity = await service.api.POST('/v1/contacts', { headers: bearer(key), body: { name: 'Nobody' } });
      expect(noIdentity.response.status).toBe(400);
      expect(noIdentity.error!.error.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'phone' })]),
      );
      const badTag = await service.api.POST('/v1/contacts', {
        headers: bearer(key),
        body: { phone: '+15550000000', tags: ['no spaces'] },
      });
      expect(badTag.response.status).toBe(400);
      const tooMany = await service.api.GET('/v1/contacts', {
        headers: bearer(key),
        params: { query: { limit: 201 } },
      });
      expect(tooMany.response.status).toBe(400);
      expect((await service.api.GET('/v1/contacts', { headers: bearer(key) })).data!.data).toHaveLength(0);
    });
  });

  it('gives another organization 404 on every conversation and contact route', async () => {
    const owner = await sandboxTenant(service);
    const other: Tenant = await newTenant(service, { mode: 'test' });
    const { conversation, message } = await ingested(
      owner.key,
      await inbound(owner.key, {
        phoneNumberId: owner.phoneNumberId,
        from: customerPhone(),
        type: 'image',
        image: { caption: 'mine' },
      }),
    );
    const mediaId = (message.content.image as { mediaId: string }).mediaId;
    const headers = bearer(other.apiKey.key);
    const conversationPath = { params: { path: { conversationId: conversation.id } }, headers };
    const contactPath = { params: { path: { contactId: conversation.contact.id } }, headers };
    const responses = [
      await service.api.GET('/v1/conversations/{conversationId}', conversationPath),
      await service.api.GET('/v1/conversations/{conversationId}/messages', conversationPath),
      await service.api.POST('/v1/conversations/{conversationId}/read', conversationPath),
      await service.api.GET('/v1/contacts/{contactId}', contactPath),
      await service.api.PATCH('/v1/contacts/{contactId}', { ...contactPath, body: { name: 'x' } }),
      await service.api.DELETE('/v1/contacts/{contactId}', contactPath),
      await service.api.GET('/v1/contacts/{contactId}/conversations', contactPath),
    ];
    const media = await service.api.GET('/v1/media/{mediaId}', { headers, params: { path: { mediaId } } });
    const content = await fetch(`${service.url}/v1/media/${mediaId}/content`, { headers });
    expect([...responses.map((result) => result.response.status), media.response.status, content.status]).toEqual([
      404, 404, 404, 404, 404, 404, 404, 404, 404,
    ]);
    expect((await conversations(other.apiKey.key)).data!.data).toHaveLength(0);
  });

  describe('other webhook fields', () => {
    it('applies a phone quality update to the phone and queues its resync', async () => {
      const { key, phoneNumberId, metaWabaId } = await sandboxTenant(service);
      const phone = await service.api.GET('/v1/phone-numbers/{phoneNumberId}', {
        headers: bearer(key),
        params: { path: { phoneNumberId } },
      });
      const eventId = await postWebhook({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: metaWabaId,
            time: Math.floor(Date.now() / 1000),
            changes: [
              {
                field: 'phone_number_quality_update',
                value: {
                  display_phone_number: phone.data!.data.displayPhoneNumber,
                  event: 'THROUGHPUT_UPGRADE',
                  max_daily_conversations_per_business: 'TIER_UNLIMITED',
                },
              },
            ],
          },
        ],
      });
      expect((await processedEvent(eventId)).status).toBe('processed');
      const updated = await waitFor('the phone to change', async () => {
        const result = await service.api.GET('/v1/phone-numbers/{phoneNumberId}', {
          headers: bearer(key),
          params: { path: { phoneNumberId } },
        });
        return result.data!.data.throughputLevel === 'HIGH' ? result.data!.data : undefined;
      });
      expect(updated).toMatchObject({ messagingLimitTier: 'TIER_UNLIMITED', throughputPerSecond: 1000 });
    });
  });

  describe('other webhook fields as events', () => {
    it.each([
      [
        'message_template_status_update',
        {
          event: 'APPROVED',
          message_template_id: 1234,
          message_template_name: 'order_update',
          message_template_language: 'en_US',
          reason: null,
        },
        'template.status_updated',
        { metaTemplateId: '1234', name: 'order_update', language: 'en_US', status: 'APPROVED' },
      ],
      ['account_update', { event: 'ACCOUNT_RESTRICTION' }, 'waba.account_updated', { event: 'ACCOUNT_RESTRICTION' }],
    ])('records %s as an event of the WABA organization', async (field, value, type, expected) => {
      const { key, metaWabaId } = await sandboxTenant(service);
      const eventId = await postWebhook({
        object: 'whatsapp_business_account',
        entry: [{ id: metaWabaId, time: Math.floor(Date.now() / 1000), changes: [{ field, value }] }],
      });
      expect((await processedEvent(eventId)).status).toBe('processed');
      const events = await service.api.GET('/v1/events', { headers: bearer(key), params: { query: { type } } });
      expect(events.data!.data).toHaveLength(1);
      expect(events.data!.data[0].data).toMatchObject(expected);
    });
  });

  describe('audit and replay', () => {
    async function pat(admin: boolean) {
      const { user } = await service.context.get(UsersService).ensure(`ops-${newId()}@example.test`, admin);
      return (await service.context.get(PersonalAccessTokensService).issue(user.id, 'ops')).token;
    }

    it('lets a platform admin list, read and replay a stored webhook, and nobody else', async () => {
      const { key, metaPhoneNumberId } = await sandboxTenant(service);
      const waId = customerPhone().slice(1);
      const eventId = await postWebhook(
        messagesValue(metaPhoneNumberId, {
          contacts: [{ wa_id: waId }],
          messages: [
            {
              from: waId,
              id: `wamid.R${waId}`,
              timestamp: String(Math.floor(Date.now() / 1000)),
              type: 'text',
              text: { body: 'again' },
            },
          ],
        }),
      );
      await processedEvent(eventId);
      const admin = patHeaders(await pat(true));
      const one = await service.api.GET('/v1/admin/meta-webhooks/{eventId}', {
        headers: admin,
        params: { path: { eventId } },
      });
      expect(one.data!.data).toMatchObject({ id: eventId, status: 'processed', object: 'whatsapp_business_account' });
      const listed = await service.api.GET('/v1/admin/meta-webhooks', {
        headers: admin,
        params: { query: { status: 'processed', limit: 100 } },
      });
      expect(listed.data!.data.map((event) => event.id)).toContain(eventId);

      const replay = await service.api.POST('/v1/admin/meta-webhooks/{eventId}/replay', {
        headers: admin,
        params: { path: { eventId } },
      });
      expect(replay.response.status).toBe(202);
      expect((await processedEvent(eventId)).status).toBe('processed');
      const list = await conversations(key);
      expect(list.data!.data[0].unreadCount).toBe(1);

      const stranger = patHeaders(await pat(false));
      const refused = await service.api.POST('/v1/admin/meta-webhooks/{eventId}/replay', {
        headers: stranger,
        params: { path: { eventId } },
      });
      expect(refused.response.status).toBe(403);
      const missing = await service.api.GET('/v1/admin/meta-webhooks/{eventId}', {
        headers: admin,
        params: { path: { eventId: newId() } },
      });
      expect(missing.response.status).toBe(404);
    });

    it('queues again a payload whose job was lost', async () => {
      const { key, metaPhoneNumberId } = await sandboxTenant(service);
      const waId = customerPhone().slice(1);
      const payload = messagesValue(metaPhoneNumberId, {
        contacts: [{ wa_id: waId }],
        messages: [
          {
            from: waId,
            id: `wamid.L${waId}`,
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: 'text',
            text: { body: 'lost' },
          },
        ],
      });
      const eventId = newId();
      // Stored and acknowledged, but its job never made it into the queue.
      await service.context
        .get(DataSource)
        .query(
          `INSERT INTO meta_webhook_events (id, object, payload, status, received_at) VALUES ($1, 'whatsapp_business_account', $2, 'received', now() - interval '10 minutes')`,
          [eventId, JSON.stringify(payload)],
        );
      expect(await service.context.get(MetaWebhooksService).requeueStalled(60_000)).toBeGreaterThanOrEqual(1);
      expect((await processedEvent(eventId)).status).toBe('processed');
      expect((await conversations(key)).data!.data[0].lastMessagePreview).toBe('lost');
    });
  });
});
