import { createMetaSandbox, MetaSandbox } from '@libs/meta-sandbox';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';
import { APP_CONFIG } from '../../src/config/config.module';
import { MediaService, OutboundContent } from '../../src/modules/media/media.service';
import { SandboxHost } from '../../src/modules/meta/sandbox-host';
import { PhoneNumber } from '../../src/modules/phone-numbers/phone-number.entity';
import { WabasService } from '../../src/modules/wabas/wabas.service';
import { bearer, newApiKey, newTenant } from '../helpers/factories';
import { HoldingProxy, startHoldingProxy } from '../helpers/holding-proxy';
import { fileOf, PIXEL, sha256, uploadedMedia, uploadMedia } from '../helpers/media';
import { readJson } from '../helpers/http';
import { customerPhone, customerWrites, messageReaches, sandboxTenant, sendMessage } from '../helpers/sending';
import { waitFor } from '../helpers/wait-for';
import { startTestService, TestService } from '../helpers/test-service';
import { TEST_SECRETS } from '../setup/test-environment';

const KB = 1024;
const MB = 1024 * KB;

/** A WebP of `size` bytes: `VP8X` with the animation flag when animated, plain `VP8 ` otherwise. */
function webp(size: number, animated: boolean): Buffer {
  const bytes = Buffer.alloc(size);
  bytes.write('RIFF', 0, 'latin1');
  bytes.writeUInt32LE(size - 8, 4);
  bytes.write(animated ? 'WEBPVP8X' : 'WEBPVP8 ', 8, 'latin1');
  bytes[20] = animated ? 0x02 : 0;
  return bytes;
}

/**
 * Uploading files, and sending them by our id: the worker uploads each to Meta once per phone.
 * Test mode talks to the in-process sandbox; live mode to a standalone one (`meta`), which a second
 * service (`worker`, another process's MediaService on the same database) reaches through a proxy
 * that can hold its uploads mid-flight.
 */
describe('Media upload and sending media by id', () => {
  let meta: MetaSandbox;
  let proxy: HoldingProxy;
  let service: TestService;
  let worker: TestService;

  beforeAll(async () => {
    meta = await createMetaSandbox({
      appSecret: TEST_SECRETS.META_APP_SECRET,
      statusDelaysMs: { sent: 0, delivered: 0, read: 0 },
    });
    proxy = await startHoldingProxy(meta.url);
    service = await startTestService({ META_GRAPH_URL: meta.url });
    meta.setWebhookUrl(`${service.url}/v1/webhooks/meta`);
    // Two connections: an upload that held one each would leave it none while two are in flight.
    worker = await startTestService({ META_GRAPH_URL: proxy.url, DATABASE_POOL_SIZE: '2' });
  });
  afterAll(async () => {
    await worker?.close();
    await service?.close();
    await proxy?.close();
    await meta?.close();
  });

  const upload = (key: string, bytes: Buffer, type: string, filename: string) =>
    uploadMedia(service.url, key, bytes, type, filename);
  const uploaded = (key: string, bytes?: Buffer, type?: string, filename?: string) =>
    uploadedMedia(service.url, key, bytes, type, filename);

  /** What the organization has stored: media rows and files on disk. */
  async function storedFor(orgId: string) {
    const rows: unknown[] = await service.context
      .get(DataSource)
      .query(`SELECT id FROM media WHERE organization_id = $1`, [orgId]);
    const mediaDir = service.context.get<AppConfig>(APP_CONFIG).mediaDir;
    const files = await readdir(join(mediaDir, orgId)).catch(() => []);
    return { rows: rows.length, files: files.length };
  }

  /** What the sandbox received for a message of ours. */
  async function metaBodyOf(metaPhoneNumberId: string, waMessageId: string | null) {
    const sandbox = await service.context.get(SandboxHost).get();
    return sandbox.sentMessages(metaPhoneNumberId).find((sent) => sent.messageId === waMessageId)!.body;
  }

  /** The bytes Meta holds under one of its media ids, downloaded with the WABA's token as Meta documents. */
  async function bytesOnMeta(wabaId: string, metaMediaId: string): Promise<Buffer> {
    const wabas = service.context.get(WabasService);
    const { graph, token } = await wabas.access((await wabas.findById(wabaId))!);
    const { url } = await graph.getMedia(token, metaMediaId);
    return (await graph.downloadMedia(token, url)).bytes;
  }

  const phoneRow = (phoneNumberId: string) =>
    service.context.get(DataSource).getRepository(PhoneNumber).findOneByOrFail({ id: phoneNumberId });

  let liveTenants = 0;
  /** A live organization whose WABA, with two phone numbers, is at the standalone sandbox. */
  async function liveTenant() {
    liveTenants += 1;
    const tenant = await newTenant(service, { mode: 'live' });
    const accessToken = `EAAG-media-${liveTenants}-${Date.now()}`;
    const metaWaba = meta.createWaba({ name: `Shop ${liveTenants}`, accessToken });
    const metaPhones = [1, 2].map((line) =>
      meta.createPhoneNumber(metaWaba.id, {
        displayPhoneNumber: `+1 555-80${line}-${String(liveTenants).padStart(4, '0')}`,
        verifiedName: 'Shop',
      }),
    );
    const connected = await service.api.POST('/v1/wabas', {
      headers: bearer(tenant.apiKey.key),
      body: { metaWabaId: metaWaba.id, accessToken },
    });
    expect(connected.response.status).toBe(201);
    const phones = metaPhones.map(({ id }) => ({
      metaPhoneNumberId: id,
      phoneNumberId: connected.data!.data.phoneNumbers.find((phone) => phone.metaPhoneNumberId === id)!.id,
    }));
    return { tenant, key: tenant.apiKey.key, wabaId: connected.data!.data.id, phones };
  }

  /** A customer writes to a live phone (at the standalone sandbox); resolves once we list the message. */
  async function liveCustomerWrites(key: string, metaPhoneNumberId: string): Promise<string> {
    const from = customerPhone();
    const { messageId } = await meta.simulateInbound({
      phoneNumberId: metaPhoneNumberId,
      from,
      type: 'text',
      content: { body: 'hi' },
    });
    await waitFor('the inbound message', async () => {
      const list = await service.api.GET('/v1/messages', {
        headers: bearer(key),
        params: { query: { direction: 'inbound' } },
      });
      return list.data!.data.find((message) => message.waMessageId === messageId);
    });
    return from;
  }

  /** What resolveOutbound gets for an image message naming our media. */
  const imageMessage = (organizationId: string, mediaId: string, livemode = true): OutboundContent => ({
    organizationId,
    livemode,
    type: 'image',
    content: { image: { id: mediaId } },
  });

  const isMediaUpload = (request: { method?: string; url?: string }) =>
    request.method === 'POST' && /\/media$/.test(request.url ?? '');

  /** Settles with the promise, or fails once `ms` pass without an answer. */
  async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([promise, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  it('stores an upload with its SHA-256 and serves the same bytes back', async () => {
    const { key } = await sandboxTenant(service);
    const media = await uploaded(key);
    expect(media).toMatchObject({
      id: expect.any(String),
      source: 'upload',
      status: 'ready',
      mimeType: 'image/png',
      filename: 'pixel.png',
      sizeBytes: PIXEL.length,
      sha256: sha256(PIXEL),
      phoneNumberId: null,
      error: null,
    });

    const got = await service.api.GET('/v1/media/{mediaId}', {
      headers: bearer(key),
      params: { path: { mediaId: media.id } },
    });
    expect(got.data!.data).toEqual(media);
    const content = await fetch(`${service.url}/v1/media/${media.id}/content`, { headers: bearer(key) });
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await content.arrayBuffer())).toEqual(PIXEL);
  });

  it('takes the type from the file name when the part is application/octet-stream', async () => {
    const { key } = await sandboxTenant(service);
    const media = await uploaded(key, Buffer.from('%PDF-1.4\n'), 'application/octet-stream', 'invoice.pdf');
    expect(media).toMatchObject({ mimeType: 'application/pdf', filename: 'invoice.pdf' });
  });

  it.each([
    ['a type WhatsApp does not take', Buffer.from('PK'), 'application/zip', 'a.zip', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an image over 5 MB', Buffer.alloc(5 * MB + 1), 'image/jpeg', 'big.jpg', 413, 'PAYLOAD_TOO_LARGE'],
    ['a static sticker over 100 KB', webp(100 * KB + 1, false), 'image/webp', 's.webp', 413, 'PAYLOAD_TOO_LARGE'],
    ['an animated sticker over 500 KB', webp(500 * KB + 1, true), 'image/webp', 'a.webp', 413, 'PAYLOAD_TOO_LARGE'],
    ['an empty file', Buffer.alloc(0), 'image/png', 'empty.png', 400, 'VALIDATION_ERROR'],
  ])('refuses %s and stores nothing', async (_case, bytes, type, filename, status, code) => {
    const { tenant, key } = await sandboxTenant(service);
    const response = await upload(key, bytes, type, filename);
    expect(response.status).toBe(status);
    expect((await readJson(response)).error.code).toBe(code);
    expect(await storedFor(tenant.orgId)).toEqual({ rows: 0, files: 0 });
  });

  it('accepts an animated sticker of 500 KB, which would be too large static', async () => {
    const { key } = await sandboxTenant(service);
    expect(await uploaded(key, webp(500 * KB, true), 'image/webp', 'wave.webp')).toMatchObject({
      mimeType: 'image/webp',
      sizeBytes: 500 * KB,
    });
  });

  it('refuses a body that is not multipart, a form without `file`, and multipart elsewhere', async () => {
    const { key } = await sandboxTenant(service);
    const json = await fetch(`${service.url}/v1/media`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(415);
    expect((await readJson(json)).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const form = new FormData();
    form.append('image', new Blob([PIXEL], { type: 'image/png' }), 'pixel.png');
    const wrongField = await fetch(`${service.url}/v1/media`, { method: 'POST', headers: bearer(key), body: form });
    expect(wrongField.status).toBe(400);
    expect((await readJson(wrongField)).error.details[0].field).toBe('file');

    const elsewhere = await fetch(`${service.url}/v1/contacts`, { method: 'POST', headers: bearer(key), body: form });
    expect(elsewhere.status).toBe(415);
  });

  it('needs media:write to upload or delete', async () => {
    const { tenant, key } = await sandboxTenant(service);
    expect((await upload('owb_test_unknown', PIXEL, 'image/png', 'p.png')).status).toBe(401);
    const readOnly = await newApiKey(service, tenant.pat, tenant.orgId, { mode: 'test', scopes: ['media:read'] });
    const refused = await upload(readOnly.key, PIXEL, 'image/png', 'p.png');
    expect(refused.status).toBe(403);
    const media = await uploaded(key);
    const deleted = await service.api.DELETE('/v1/media/{mediaId}', {
      headers: bearer(readOnly.key),
      params: { path: { mediaId: media.id } },
    });
    expect(deleted.response.status).toBe(403);
  });

  it('sends an image by our id: uploaded to Meta once per phone, its Meta id reused', async () => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const media = await uploaded(key);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const accepted = await Promise.all(
      ['first', 'second'].map((caption) =>
        sendMessage(service, key, { phoneNumberId, to, type: 'image', image: { id: media.id, caption } }),
      ),
    );
    expect(accepted.map((result) => result.response.status)).toEqual([202, 202]);
    expect(accepted[0].data!.data.content).toEqual({ image: { id: media.id, caption: 'first' } });
    const read = await Promise.all(
      accepted.map((result) => messageReaches(service, key, result.data!.data.id, 'read')),
    );

    const sandbox = await service.context.get(SandboxHost).get();
    const uploads = sandbox.mediaUploads(metaPhoneNumberId);
    expect(uploads).toEqual([
      expect.objectContaining({ mimeType: 'image/png', sizeBytes: PIXEL.length, filename: 'pixel.png' }),
    ]);
    const metaMediaId = uploads[0].mediaId;
    expect(await metaBodyOf(metaPhoneNumberId, read[0].waMessageId)).toMatchObject({
      type: 'image',
      image: { id: metaMediaId, caption: 'first' },
    });
    expect(await metaBodyOf(metaPhoneNumberId, read[1].waMessageId)).toMatchObject({
      image: { id: metaMediaId, caption: 'second' },
    });
    // Our message keeps our id.
    const stored = await service.api.GET('/v1/messages/{messageId}', {
      headers: bearer(key),
      params: { path: { messageId: read[0].id } },
    });
    expect(stored.data!.data.content).toEqual({ image: { id: media.id, caption: 'first' } });
  });

  type Json = Record<string, unknown>;
  // [case, the file, our content naming it by `id`, what Meta receives naming its copy by `metaId`]
  it.each<[string, { bytes: Buffer; type: string; filename: string }, (id: string) => Json, (metaId: string) => Json]>([
    [
      'audio',
      { bytes: fileOf('ID3', 4 * KB), type: 'audio/mpeg', filename: 'jingle.mp3' },
      (id) => ({ type: 'audio', audio: { id } }),
      (metaId) => ({ type: 'audio', audio: { id: metaId } }),
    ],
    [
      'audio as a voice note',
      { bytes: fileOf('OggS', 3 * KB), type: 'audio/ogg', filename: 'voice.ogg' },
      (id) => ({ type: 'audio', audio: { id, voice: true } }),
      (metaId) => ({ type: 'audio', audio: { id: metaId, voice: true } }),
    ],
    [
      'video with a caption',
      { bytes: fileOf('\0\0\0\x18ftypmp42', 64 * KB), type: 'video/mp4', filename: 'demo.mp4' },
      (id) => ({ type: 'video', video: { id, caption: 'How it works' } }),
      (metaId) => ({ type: 'video', video: { id: metaId, caption: 'How it works' } }),
    ],
    [
      'document with a filename and a caption',
      { bytes: fileOf('%PDF-1.4\n', 16 * KB), type: 'application/pdf', filename: 'invoice.pdf' },
      (id) => ({ type: 'document', document: { id, filename: 'invoice-17.pdf', caption: 'Your invoice' } }),
      (metaId) => ({ type: 'document', document: { id: metaId, filename: 'invoice-17.pdf', caption: 'Your invoice' } }),
    ],
    [
      'sticker',
      { bytes: webp(2 * KB, false), type: 'image/webp', filename: 'thanks.webp' },
      (id) => ({ type: 'sticker', sticker: { id } }),
      (metaId) => ({ type: 'sticker', sticker: { id: metaId } }),
    ],
  ])('sends %s by our id: uploaded to Meta once, in Meta’s exact request shape', async (_case, file, ours, metas) => {
    const { key, wabaId, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const media = await uploaded(key, file.bytes, file.type, file.filename);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const accepted = await Promise.all(
      [1, 2].map(() => sendMessage(service, key, { phoneNumberId, to, ...ours(media.id) })),
    );
    expect(accepted.map((result) => result.response.status)).toEqual([202, 202]);
    const read = await Promise.all(
      accepted.map((result) => messageReaches(service, key, result.data!.data.id, 'read')),
    );

    const sandbox = await service.context.get(SandboxHost).get();
    const uploads = sandbox.mediaUploads(metaPhoneNumberId);
    expect(uploads).toEqual([
      {
        phoneNumberId: metaPhoneNumberId,
        mediaId: expect.any(String),
        mimeType: file.type,
        sizeBytes: file.bytes.length,
        filename: file.filename,
        receivedAt: expect.any(Date),
      },
    ]);
    expect(sha256(await bytesOnMeta(wabaId, uploads[0].mediaId))).toBe(sha256(file.bytes));
    for (const message of read) {
      expect(await metaBodyOf(metaPhoneNumberId, message.waMessageId)).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to,
        ...metas(uploads[0].mediaId),
        biz_opaque_callback_data: message.id,
      });
      // Our message keeps our id.
      const { type: _type, ...content } = ours(media.id);
      expect(message.content).toEqual(content);
    }
  });

  it('uploads a separate copy for each phone of the organization, each phone reusing its own', async () => {
    const { key, wabaId, phones } = await liveTenant();
    const [first, second] = phones;
    const media = await uploaded(key);
    const send = async (phone: (typeof phones)[number], to: string, caption: string) => {
      const accepted = await sendMessage(service, key, {
        phoneNumberId: phone.phoneNumberId,
        to,
        type: 'image',
        image: { id: media.id, caption },
      });
      expect(accepted.response.status).toBe(202);
      return messageReaches(service, key, accepted.data!.data.id, 'read');
    };
    const toFirst = await liveCustomerWrites(key, first.metaPhoneNumberId);
    const toSecond = await liveCustomerWrites(key, second.metaPhoneNumberId);

    const fromFirst = await send(first, toFirst, 'one');
    const fromSecond = await send(second, toSecond, 'two');
    const againFromFirst = await send(first, toFirst, 'three');

    const [firstCopy, secondCopy] = phones.map(({ metaPhoneNumberId }) => meta.mediaUploads(metaPhoneNumberId));
    expect(firstCopy).toHaveLength(1);
    expect(secondCopy).toHaveLength(1);
    expect(secondCopy[0].mediaId).not.toBe(firstCopy[0].mediaId);
    for (const copy of [firstCopy[0], secondCopy[0]]) {
      expect(sha256(await bytesOnMeta(wabaId, copy.mediaId))).toBe(sha256(PIXEL));
    }
    const sentImage = (metaPhoneNumberId: string, waMessageId: string | null) =>
      meta.sentMessages(metaPhoneNumberId).find((sent) => sent.messageId === waMessageId)!.body.image;
    expect(sentImage(first.metaPhoneNumberId, fromFirst.waMessageId)).toEqual({
      id: firstCopy[0].mediaId,
      caption: 'one',
    });
    expect(sentImage(second.metaPhoneNumberId, fromSecond.waMessageId)).toEqual({
      id: secondCopy[0].mediaId,
      caption: 'two',
    });
    expect(sentImage(first.metaPhoneNumberId, againFromFirst.waMessageId)).toEqual({
      id: firstCopy[0].mediaId,
      caption: 'three',
    });
    const copies: unknown[] = await service.context
      .get(DataSource)
      .query(`SELECT phone_number_id, meta_media_id FROM media_uploads WHERE media_id = $1 ORDER BY meta_media_id`, [
        media.id,
      ]);
    expect(copies).toEqual(
      [
        { phone_number_id: first.phoneNumberId, meta_media_id: firstCopy[0].mediaId },
        { phone_number_id: second.phoneNumberId, meta_media_id: secondCopy[0].mediaId },
      ].sort((a, b) => (a.meta_media_id < b.meta_media_id ? -1 : 1)),
    );
  });

  /** `new_in_store`: an image header and one body variable, approved. */
  async function imageHeaderTemplate(key: string, wabaId: string) {
    const template = await service.api.POST('/v1/templates', {
      headers: bearer(key),
      body: {
        wabaId,
        name: 'new_in_store',
        language: 'en_US',
        category: 'MARKETING',
        components: [
          { type: 'HEADER', format: 'IMAGE', example: { headerHandle: ['4::aW1hZ2UvcG5n:ARZ'] } },
          { type: 'BODY', text: 'Hi {{1}}, look what came in.', example: { bodyText: [['Ana']] } },
        ],
      } as never,
    });
    expect(template.response.status).toBe(201);
    await waitFor('the template to be approved', async () => {
      const current = await service.api.GET('/v1/templates/{templateId}', {
        headers: bearer(key),
        params: { path: { templateId: template.data!.data.id } },
      });
      return current.data!.data.status === 'APPROVED' ? true : undefined;
    });
  }

  /** `new_in_store` with this header component and its body variable. */
  const sendNewInStore = (key: string, phoneNumberId: string, to: string, header: object) =>
    sendMessage(service, key, {
      phoneNumberId,
      to,
      type: 'template',
      template: {
        name: 'new_in_store',
        language: { code: 'en_US' },
        components: [header, { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }],
      },
    });

  it('sends media headers by our id: an interactive header and a template header parameter', async () => {
    const { key, wabaId, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const media = await uploaded(key);
    await imageHeaderTemplate(key, wabaId);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const header = { type: 'image', image: { id: media.id } };
    const interactive = await sendMessage(service, key, {
      phoneNumberId,
      to,
      type: 'interactive',
      interactive: {
        type: 'button',
        header,
        body: { text: 'Which one?' },
        action: { buttons: [{ type: 'reply', reply: { id: 'this', title: 'This one' } }] },
      },
    });
    const templated = await sendNewInStore(key, phoneNumberId, to, { type: 'header', parameters: [header] });
    expect([interactive.response.status, templated.response.status]).toEqual([202, 202]);
    const [first, second] = await Promise.all(
      [interactive, templated].map((result) => messageReaches(service, key, result.data!.data.id, 'read')),
    );

    const sandbox = await service.context.get(SandboxHost).get();
    const uploads = sandbox.mediaUploads(metaPhoneNumberId);
    expect(uploads).toHaveLength(1);
    const metaHeader = { type: 'image', image: { id: uploads[0].mediaId } };
    expect(await metaBodyOf(metaPhoneNumberId, first.waMessageId)).toMatchObject({
      interactive: { header: metaHeader },
    });
    expect(await metaBodyOf(metaPhoneNumberId, second.waMessageId)).toMatchObject({
      template: { components: [{ type: 'header', parameters: [metaHeader] }, { type: 'body' }] },
    });
  });

  it('refuses a media header naming media that is not there, naming the field, for one send or one recipient', async () => {
    const { key, wabaId, phoneNumberId } = await sandboxTenant(service);
    await imageHeaderTemplate(key, wabaId);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const missing = '0192f000-0000-7000-8000-000000000000';
    const refused = await sendMessage(service, key, {
      phoneNumberId,
      to,
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'image', image: { id: missing } },
        body: { text: 'Which one?' },
        action: { buttons: [{ type: 'reply', reply: { id: 'this', title: 'This one' } }] },
      },
    });
    expect(refused.response.status).toBe(404);
    expect(refused.error).toMatchObject({
      error: { code: 'NOT_FOUND', details: [{ field: 'interactive.header.image.id' }] },
    });

    const header = (image: object) => ({ type: 'header', parameters: [{ type: 'image', image }] });
    const body = { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] };
    // Component types are matched in any case, as templates match them.
    const upperCase = await sendNewInStore(key, phoneNumberId, to, { ...header({ id: missing }), type: 'HEADER' });
    expect(upperCase.response.status).toBe(404);
    expect(upperCase.error).toMatchObject({
      error: { code: 'NOT_FOUND', details: [{ field: 'template.components[0].parameters[0].image.id' }] },
    });
    const batch = await service.api.POST('/v1/messages/batch', {
      headers: bearer(key),
      body: {
        phoneNumberId,
        type: 'template',
        template: { name: 'new_in_store', language: { code: 'en_US' } },
        recipients: [
          { to, components: [header({ link: 'https://cdn.shop.example/a.png' }), body] },
          { to: customerPhone(), components: [header({ id: missing }), body] },
        ],
      } as never,
    });
    expect(batch.error).toBeUndefined();
    expect(batch.response.status).toBe(202);
    expect(batch.data!.data.accepted).toBe(1);
    expect(batch.data!.data.rejected).toEqual([
      expect.objectContaining({
        index: 1,
        code: 'NOT_FOUND',
        field: 'recipients[1].components[0].parameters[0].image.id',
      }),
    ]);
  });

  it('uploads once when several workers need the same copy at the same time', async () => {
    const { tenant, key, phones } = await liveTenant();
    const media = await uploaded(key);
    const phone = await phoneRow(phones[0].phoneNumberId);
    const message = imageMessage(tenant.orgId, media.id);
    // Three sends in each of two processes sharing the database.
    const resolved = await Promise.all(
      [service, worker, service, worker, service, worker].map((process) =>
        process.context.get(MediaService).resolveOutbound(message, phone),
      ),
    );
    const uploads = meta.mediaUploads(phones[0].metaPhoneNumberId);
    expect(uploads).toHaveLength(1);
    expect(resolved).toEqual(Array.from({ length: 6 }, () => ({ image: { id: uploads[0].mediaId } })));
  });

  it('holds no database connection while a file travels to Meta; another process waits for that upload', async () => {
    const { tenant, key, phones } = await liveTenant();
    const [first, second] = [await uploaded(key), await uploaded(key)];
    const phone = await phoneRow(phones[0].phoneNumberId);
    const heldBefore = proxy.held.length;
    proxy.hold(isMediaUpload);
    try {
      const viaWorker = [first, second].map((media) =>
        worker.context.get(MediaService).resolveOutbound(imageMessage(tenant.orgId, media.id), phone),
      );
      await waitFor('both uploads to be under way', async () =>
        proxy.held.length === heldBefore + 2 ? true : undefined,
      );
      // Both of the worker's two connections are free while its uploads are stuck halfway.
      await expect(
        within(5000, 'a query on the worker', worker.context.get(DataSource).query('SELECT 1 AS ok')),
      ).resolves.toEqual([{ ok: 1 }]);
      const claims: unknown[] = await service.context
        .get(DataSource)
        .query(
          `SELECT meta_media_id, claimed_until > now() AS claimed FROM media_uploads WHERE media_id = ANY($1::uuid[])`,
          [[first.id, second.id]],
        );
      expect(claims).toEqual([
        { meta_media_id: null, claimed: true },
        { meta_media_id: null, claimed: true },
      ]);
      // The API process needs the first copy too: it waits for the worker's upload instead of making its own.
      const viaService = service.context.get(MediaService).resolveOutbound(imageMessage(tenant.orgId, first.id), phone);
      expect(meta.mediaUploads(phones[0].metaPhoneNumberId)).toEqual([]);

      proxy.hold(undefined);
      proxy.held.slice(heldBefore).forEach((request) => request.release());
      const [firstCopy, secondCopy] = await Promise.all(viaWorker);
      expect(await viaService).toEqual(firstCopy);
      const uploads = meta.mediaUploads(phones[0].metaPhoneNumberId);
      expect(uploads).toHaveLength(2);
      expect([firstCopy, secondCopy].map((content) => (content.image as { id: string }).id).sort()).toEqual(
        uploads.map((upload) => upload.mediaId).sort(),
      );
    } finally {
      proxy.hold(undefined);
    }
  });

  it('frees the claim of an upload Meta failed, so the next send uploads at once', async () => {
    const { tenant, key, phones } = await liveTenant();
    const media = await uploaded(key);
    const phone = await phoneRow(phones[0].phoneNumberId);
    const message = imageMessage(tenant.orgId, media.id);
    const heldBefore = proxy.held.length;
    proxy.hold(isMediaUpload);
    try {
      const attempt = worker.context.get(MediaService).resolveOutbound(message, phone);
      await waitFor('the upload to be under way', async () => (proxy.held.length > heldBefore ? true : undefined));
      proxy.held[heldBefore].fail(500, {
        error: { message: 'An unexpected error has occurred.', type: 'OAuthException', code: 2, fbtrace_id: 'A1' },
      });
      await expect(attempt).rejects.toMatchObject({ name: 'MetaApiError', code: 2, retry: 'later' });
    } finally {
      proxy.hold(undefined);
    }
    const rows: unknown[] = await service.context
      .get(DataSource)
      .query(`SELECT 1 FROM media_uploads WHERE media_id = $1`, [media.id]);
    expect(rows).toEqual([]);

    const resolved = await within(
      5000,
      'the next send',
      service.context.get(MediaService).resolveOutbound(message, phone),
    );
    const uploads = meta.mediaUploads(phones[0].metaPhoneNumberId);
    expect(uploads).toHaveLength(1);
    expect(resolved).toEqual({ image: { id: uploads[0].mediaId } });
  });

  it('takes over the upload of a worker that died mid-upload once its claim runs out', async () => {
    const { tenant, key, phones } = await liveTenant();
    const media = await uploaded(key);
    const phone = await phoneRow(phones[0].phoneNumberId);
    const dataSource = service.context.get(DataSource);
    // What a worker killed during its upload leaves: a claim nobody renews any more.
    await dataSource.query(
      `INSERT INTO media_uploads (media_id, phone_number_id, claimed_until) VALUES ($1, $2, now() - interval '1 second')`,
      [media.id, phone.id],
    );

    const resolved = await service.context
      .get(MediaService)
      .resolveOutbound(imageMessage(tenant.orgId, media.id), phone);
    const uploads = meta.mediaUploads(phones[0].metaPhoneNumberId);
    expect(uploads).toHaveLength(1);
    expect(resolved).toEqual({ image: { id: uploads[0].mediaId } });
    const rows: unknown[] = await dataSource.query(
      `SELECT meta_media_id, claimed_until FROM media_uploads WHERE media_id = $1`,
      [media.id],
    );
    expect(rows).toEqual([{ meta_media_id: uploads[0].mediaId, claimed_until: null }]);
  });

  it('uploads again once the copy on Meta has expired', async () => {
    const { key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const media = await uploaded(key);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const first = await sendMessage(service, key, { phoneNumberId, to, type: 'image', image: { id: media.id } });
    await messageReaches(service, key, first.data!.data.id, 'read');
    await service.context
      .get(DataSource)
      .query(`UPDATE media_uploads SET expires_at = now() - interval '1 minute' WHERE media_id = $1`, [media.id]);

    const second = await sendMessage(service, key, { phoneNumberId, to, type: 'image', image: { id: media.id } });
    const read = await messageReaches(service, key, second.data!.data.id, 'read');
    const sandbox = await service.context.get(SandboxHost).get();
    const uploads = sandbox.mediaUploads(metaPhoneNumberId);
    expect(uploads).toHaveLength(2);
    expect(await metaBodyOf(metaPhoneNumberId, read.waMessageId)).toMatchObject({ image: { id: uploads[1].mediaId } });
    const rows: { meta_media_id: string; expires_at: Date }[] = await service.context
      .get(DataSource)
      .query(`SELECT meta_media_id, expires_at FROM media_uploads WHERE media_id = $1`, [media.id]);
    expect(rows).toEqual([{ meta_media_id: uploads[1].mediaId, expires_at: expect.any(Date) }]);
    expect(rows[0].expires_at.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);
  });

  it('refuses media whose type does not fit the message, or that is gone', async () => {
    const { key, phoneNumberId } = await sandboxTenant(service);
    const media = await uploaded(key);
    const { to } = await customerWrites(service, key, phoneNumberId);
    const asVideo = await sendMessage(service, key, { phoneNumberId, to, type: 'video', video: { id: media.id } });
    expect(asVideo.response.status).toBe(400);
    expect(asVideo.error!.error.details![0]).toMatchObject({ field: 'video.id' });
    const unknown = await sendMessage(service, key, { phoneNumberId, to, type: 'image', image: { id: '1234567890' } });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error!.error.details![0]).toMatchObject({ field: 'image.id' });

    const deleted = await service.api.DELETE('/v1/media/{mediaId}', {
      headers: bearer(key),
      params: { path: { mediaId: media.id } },
    });
    expect(deleted.response.status).toBe(204);
    const gone = await service.api.GET('/v1/media/{mediaId}', {
      headers: bearer(key),
      params: { path: { mediaId: media.id } },
    });
    expect(gone.response.status).toBe(404);
    const afterDelete = await sendMessage(service, key, { phoneNumberId, to, type: 'image', image: { id: media.id } });
    expect(afterDelete.response.status).toBe(404);
  });

  it('gives another organization 404 for the media, and will not send it from there', async () => {
    const owner = await sandboxTenant(service);
    const media = await uploaded(owner.key);
    const other = await sandboxTenant(service);
    const path = { mediaId: media.id };

    const got = await service.api.GET('/v1/media/{mediaId}', { headers: bearer(other.key), params: { path } });
    expect(got.response.status).toBe(404);
    const content = await fetch(`${service.url}/v1/media/${media.id}/content`, { headers: bearer(other.key) });
    expect(content.status).toBe(404);
    const deleted = await service.api.DELETE('/v1/media/{mediaId}', { headers: bearer(other.key), params: { path } });
    expect(deleted.response.status).toBe(404);

    const { to } = await customerWrites(service, other.key, other.phoneNumberId);
    const sent = await sendMessage(service, other.key, {
      phoneNumberId: other.phoneNumberId,
      to,
      type: 'image',
      image: { id: media.id },
    });
    expect(sent.response.status).toBe(404);
    expect(sent.error!.error).toMatchObject({ code: 'NOT_FOUND', details: [{ field: 'image.id' }] });
    const stillThere = await service.api.GET('/v1/media/{mediaId}', { headers: bearer(owner.key), params: { path } });
    expect(stillThere.response.status).toBe(200);
  });
});
