import { createMetaSandbox, MAGIC_RECIPIENTS, MetaSandbox } from '@libs/meta-sandbox';
import { randomInt } from 'node:crypto';
import type { components } from '../client/schema';
import { bearer, newApiKey, newTenant } from '../helpers/factories';
import { readJson } from '../helpers/http';
import { customerPhone, messageReaches, sendMessage } from '../helpers/sending';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';
import { TEST_SECRETS } from '../setup/test-environment';

type Message = components['schemas']['MessageDto'];
type Query = Record<string, string | number>;

/**
 * `GET /v1/messages`: its filters and its cursor, over one organization's messages on two phones of
 * a live WABA, with a standalone sandbox as Meta. The messages are made once; the tests only read.
 */
describe('Listing messages', () => {
  let meta: MetaSandbox;
  let service: TestService;
  let key: string;
  let tenant: Awaited<ReturnType<typeof newTenant>>;
  const phones = { first: '', second: '' };
  const customers = { ana: customerPhone(), bo: customerPhone() };
  /** Our ids of the messages, by what they are. */
  const ids = {
    anaWrote: '',
    boWrote: '',
    toAna: '',
    toBo: '',
    undeliverable: '',
    batch: [] as string[],
    toAnaAgain: '',
  };
  let anaContactId = '';
  let anaConversationId = '';
  /** Every message, newest first, as the fixture made them. */
  let newestFirst: string[] = [];

  const list = (query: Query, apiKey = key) =>
    service.api.GET('/v1/messages', { headers: bearer(apiKey), params: { query: query as never } });

  /** Follows `nextCursor` from the first page until `hasMore` is false; answers each page's ids. */
  async function pages(query: Query): Promise<string[][]> {
    const seen: string[][] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await list({ ...query, ...(cursor && { cursor }) });
      expect(page.response.status).toBe(200);
      const { hasMore, nextCursor, limit } = page.data!.meta.pagination;
      expect([limit, hasMore, nextCursor === null]).toEqual([query.limit, hasMore, !hasMore]);
      seen.push(page.data!.data.map((message) => message.id));
      if (!hasMore) {
        return seen;
      }
      expect(seen.length).toBeLessThan(50);
      cursor = nextCursor!;
    }
  }

  async function customerWrites(metaPhoneId: string, from: string): Promise<Message> {
    const { messageId } = await meta.simulateInbound({
      phoneNumberId: metaPhoneId,
      from,
      type: 'text',
      content: { body: 'hi' },
    });
    return waitFor('the inbound message', async () => {
      const inbound = await list({ direction: 'inbound', limit: 100 });
      return inbound.data!.data.find((message) => message.waMessageId === messageId);
    });
  }

  const text = (phoneNumberId: string, to: string, body: string) =>
    sendMessage(service, key, { phoneNumberId, to, type: 'text', text: { body } });
  const helloWorld = { name: 'hello_world', language: { code: 'en_US' } };

  beforeAll(async () => {
    meta = await createMetaSandbox({
      appSecret: TEST_SECRETS.META_APP_SECRET,
      statusDelaysMs: { sent: 0, delivered: 0, read: 0 },
    });
    service = await startTestService({ META_GRAPH_URL: meta.url });
    meta.setWebhookUrl(`${service.url}/v1/webhooks/meta`);

    tenant = await newTenant(service, { mode: 'live' });
    key = tenant.apiKey.key;
    const accessToken = `EAAG-messages-list-${Date.now()}`;
    const metaWaba = meta.createWaba({ name: 'Shop', accessToken });
    const number = () => `+1 555-${randomInt(100, 999)}-${randomInt(1000, 9999)}`;
    const metaPhones = [1, 2].map(() =>
      meta.createPhoneNumber(metaWaba.id, { displayPhoneNumber: number(), verifiedName: 'Shop' }),
    );
    const connected = await service.api.POST('/v1/wabas', {
      headers: bearer(key),
      body: { metaWabaId: metaWaba.id, accessToken },
    });
    const ourId = (metaId: string) =>
      connected.data!.data.phoneNumbers.find((phone) => phone.metaPhoneNumberId === metaId)!.id;
    phones.first = ourId(metaPhones[0].id);
    phones.second = ourId(metaPhones[1].id);

    // Made one after another, each settled before the next, so their order is their creation order.
    const anaWrote = await customerWrites(metaPhones[0].id, customers.ana);
    ids.anaWrote = anaWrote.id;
    anaContactId = anaWrote.contactId!;
    anaConversationId = anaWrote.conversationId!;
    ids.boWrote = (await customerWrites(metaPhones[1].id, customers.bo)).id;
    const sent = async (accepted: Promise<{ data?: { data: Message } }>, status = 'read') =>
      (await messageReaches(service, key, (await accepted).data!.data.id, status)).id;
    ids.toAna = await sent(text(phones.first, customers.ana, 'one'));
    ids.toBo = await sent(text(phones.second, customers.bo, 'two'));
    ids.undeliverable = await sent(
      sendMessage(service, key, {
        phoneNumberId: phones.first,
        to: `+${MAGIC_RECIPIENTS.undeliverable}`,
        type: 'template',
        template: helloWorld,
      }),
      'failed',
    );
    // A batch's messages are created in the same millisecond.
    const batchCustomers = [...new Set(Array.from({ length: 12 }, customerPhone))].slice(0, 6);
    const batch = await service.api.POST('/v1/messages/batch', {
      headers: bearer(key),
      body: {
        phoneNumberId: phones.first,
        type: 'template',
        template: helloWorld,
        recipients: batchCustomers.map((to) => ({ to })),
      } as never,
    });
    ids.batch = batch.data!.data.messages.map((message) => message.id);
    await Promise.all(ids.batch.map((id) => messageReaches(service, key, id, 'read')));
    ids.toAnaAgain = await sent(text(phones.first, customers.ana, 'three'));

    newestFirst = [
      ids.toAnaAgain,
      ...[...ids.batch].reverse(),
      ids.undeliverable,
      ids.toBo,
      ids.toAna,
      ids.boWrote,
      ids.anaWrote,
    ];
  });
  afterAll(async () => {
    await service.close();
    await meta.close();
  });

  it('lists newest first, and pages through every message with nextCursor, none repeated or lost', async () => {
    const all = await list({ limit: 100 });
    expect(all.data!.data.map((message) => message.id)).toEqual(newestFirst);
    expect(all.data!.meta.pagination).toEqual({ limit: 100, hasMore: false, nextCursor: null });
    const batchTimes = all.data!.data.filter((message) => ids.batch.includes(message.id)).map((m) => m.createdAt);
    expect(new Set(batchTimes).size).toBe(1);

    // Page boundaries fall inside the batch, between messages of the same millisecond.
    for (const limit of [1, 4]) {
      const seen = await pages({ limit });
      expect(seen.flat()).toEqual(newestFirst);
      expect(seen.slice(0, -1).every((page) => page.length === limit)).toBe(true);
    }
    // Without a limit, a page holds 20.
    const byDefault = await list({});
    expect(byDefault.data!.data.map((message) => message.id)).toEqual(newestFirst);
    expect(byDefault.data!.meta.pagination).toEqual({ limit: 20, hasMore: false, nextCursor: null });
  });

  it('filters by phone, contact, conversation, status and direction, alone or together, across pages', async () => {
    const onSecond = [ids.toBo, ids.boWrote];
    const cases: [Query, string[]][] = [
      [{ phoneNumberId: phones.second }, onSecond],
      [{ phoneNumberId: phones.first }, newestFirst.filter((id) => !onSecond.includes(id))],
      [{ contactId: anaContactId }, [ids.toAnaAgain, ids.toAna, ids.anaWrote]],
      [{ conversationId: anaConversationId }, [ids.toAnaAgain, ids.toAna, ids.anaWrote]],
      [{ status: 'failed' }, [ids.undeliverable]],
      [{ status: 'received' }, [ids.boWrote, ids.anaWrote]],
      [{ status: 'queued' }, []],
      [{ direction: 'inbound' }, [ids.boWrote, ids.anaWrote]],
      [{ direction: 'outbound' }, newestFirst.slice(0, -2)],
      [
        { phoneNumberId: phones.first, direction: 'outbound', status: 'read' },
        [ids.toAnaAgain, ...[...ids.batch].reverse(), ids.toAna],
      ],
      [{ contactId: anaContactId, direction: 'inbound' }, [ids.anaWrote]],
    ];
    for (const [filter, expected] of cases) {
      const seen = await pages({ ...filter, limit: 2 });
      expect([filter, seen.flat()]).toEqual([filter, expected]);
    }
  });

  it('filters by creation time: since is inclusive, until exclusive', async () => {
    const all = (await list({ limit: 100 })).data!.data;
    const createdAt = (id: string) => all.find((message) => message.id === id)!.createdAt;
    const cases: [Query, string[]][] = [
      // The batch alone: from its millisecond up to the next message.
      [{ since: createdAt(ids.batch[0]), until: createdAt(ids.toAnaAgain) }, [...ids.batch].reverse()],
      [{ since: createdAt(ids.toBo) }, [ids.toAnaAgain, ...[...ids.batch].reverse(), ids.undeliverable, ids.toBo]],
      [{ until: createdAt(ids.toAna) }, [ids.boWrote, ids.anaWrote]],
      [{ since: createdAt(ids.toAna), until: createdAt(ids.toAna) }, []],
      [{ since: createdAt(ids.toAna), direction: 'outbound', phoneNumberId: phones.second }, [ids.toBo]],
    ];
    for (const [filter, expected] of cases) {
      const seen = await pages({ ...filter, limit: 3 });
      expect([filter, seen.flat()]).toEqual([filter, expected]);
    }
  });

  it.each([
    ['phoneNumberId', 'first-phone'],
    ['contactId', '42'],
    ['conversationId', 'latest'],
    ['status', 'exploded'],
    ['direction', 'sideways'],
    ['since', 'yesterday'],
    ['until', '2026-13-01'],
    ['limit', '0'],
    ['limit', '101'],
    ['cursor', 'not-a-cursor'],
  ])('refuses %s=%s with 400 VALIDATION_ERROR naming the field', async (field, value) => {
    const response = await fetch(`${service.url}/v1/messages?${new URLSearchParams({ [field]: value })}`, {
      headers: bearer(key),
    });
    expect(response.status).toBe(400);
    const body = await readJson(response);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.details.map((detail) => detail.field)).toEqual([field]);
  });

  it('shows another organization none of these messages, whatever it names, nor this one’s test mode', async () => {
    const other = await newTenant(service, { mode: 'live' });
    const filters: Query[] = [{}, { phoneNumberId: phones.first }, { contactId: anaContactId }];
    for (const filter of filters) {
      const listed = await list({ ...filter, limit: 100 }, other.apiKey.key);
      expect([filter, listed.response.status, listed.data!.data]).toEqual([filter, 200, []]);
    }
    const testKey = await newApiKey(service, tenant.pat, tenant.orgId, { mode: 'test' });
    expect((await list({ limit: 100 }, testKey.key)).data!.data).toEqual([]);
  });
});
