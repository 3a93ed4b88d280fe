import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Response } from 'undici';
import { MetaApiError } from './meta-api-error';
import { MetaGraphClient, PHONE_NUMBER_FIELDS } from './meta-graph.client';

interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Handler = (request: Seen, response: ServerResponse) => void;

const TIMEOUT_MS = 200;
const json = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('MetaGraphClient', () => {
  let server: Server;
  let baseUrl: string;
  let client: MetaGraphClient;
  let handler: Handler;
  let seen: Seen[];
  /** Called with each chunk of a request body as it arrives. */
  let onData: (chunk: Buffer) => void = () => undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        onData(chunk);
      });
      request.on('end', () => {
        const entry = {
          method: request.method ?? '',
          url: new URL(request.url ?? '/', 'http://local'),
          headers: request.headers,
          body: Buffer.concat(chunks),
        };
        seen.push(entry);
        handler(entry, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new MetaGraphClient({ baseUrl: `${baseUrl}/`, apiVersion: 'v23.0', timeoutMs: TIMEOUT_MS });
  });

  beforeEach(() => {
    seen = [];
  });

  afterAll(async () => {
    server.closeAllConnections();
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the bearer token to the versioned path with the requested fields', async () => {
    handler = (_request, response) => json(response, 200, { id: '1001', display_phone_number: '15550001111' });

    await expect(client.getPhoneNumber('tok-1', '1001')).resolves.toEqual({
      id: '1001',
      display_phone_number: '15550001111',
    });

    const [request] = seen;
    expect(request.method).toBe('GET');
    expect(request.url.pathname).toBe('/v23.0/1001');
    expect(request.url.searchParams.get('fields')).toBe(PHONE_NUMBER_FIELDS.join(','));
    expect(request.headers.authorization).toBe('Bearer tok-1');
  });

  it('adds messaging_product and recipient_type to a sent message', async () => {
    const result = {
      messaging_product: 'whatsapp',
      contacts: [{ input: '+15551234567', wa_id: '15551234567' }],
      messages: [{ id: 'wamid.X' }],
    };
    handler = (_request, response) => json(response, 200, result);

    const sent = await client.sendMessage('tok', '1001', {
      to: '+15551234567',
      type: 'text',
      text: { body: 'hi' },
      context: { message_id: 'wamid.IN' },
    });

    expect(sent).toEqual(result);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url.pathname).toBe('/v23.0/1001/messages');
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0].body.toString())).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+15551234567',
      type: 'text',
      text: { body: 'hi' },
      context: { message_id: 'wamid.IN' },
    });
  });

  it('turns a Graph error body into a MetaApiError', async () => {
    handler = (_request, response) =>
      json(response, 400, {
        error: {
          message: '(#131056) Pair rate limit hit',
          type: 'OAuthException',
          code: 131056,
          error_data: { messaging_product: 'whatsapp', details: 'Too many messages to this user' },
          error_subcode: 2494055,
          fbtrace_id: 'trace-1',
        },
      });

    const error = await client.markRead('tok', '1001', 'wamid.IN').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MetaApiError);
    expect(error).toMatchObject({
      kind: 'graph',
      code: 131056,
      subcode: 2494055,
      fbtraceId: 'trace-1',
      httpStatus: 400,
      details: 'Too many messages to this user',
      retry: 'later',
    });
  });

  it('turns a 502 HTML page into a retry-later http error', async () => {
    handler = (_request, response) =>
      response.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');

    await expect(client.getWaba('tok', '2002')).rejects.toMatchObject({
      name: 'MetaApiError',
      kind: 'http',
      httpStatus: 502,
      retry: 'later',
    });
  });

  it('gives up with a timeout error when the server never answers', async () => {
    handler = () => undefined;
    const started = Date.now();

    const error = await client.getWaba('tok', '2002').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MetaApiError);
    expect(error).toMatchObject({ kind: 'timeout', retry: 'later' });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
  });

  it('turns a refused connection into a network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const offline = new MetaGraphClient({ baseUrl: `http://127.0.0.1:${port}`, apiVersion: 'v23.0', timeoutMs: 1_000 });

    try {
      await expect(offline.getWaba('tok', '2002')).rejects.toMatchObject({
        name: 'MetaApiError',
        kind: 'network',
        retry: 'later',
      });
    } finally {
      await offline.close();
    }
  });

  it('reads every page of phone numbers', async () => {
    handler = (request, response) => {
      if (!request.url.searchParams.get('after')) {
        json(response, 200, {
          data: [{ id: '1', display_phone_number: '1' }],
          paging: { cursors: { before: 'b1', after: 'c1' }, next: `${baseUrl}/v23.0/3003/phone_numbers?after=c1` },
        });
      } else {
        json(response, 200, { data: [{ id: '2', display_phone_number: '2' }], paging: { cursors: { after: 'c2' } } });
      }
    };

    const phones = await client.listPhoneNumbers('tok', '3003');

    expect(phones.map((phone) => phone.id)).toEqual(['1', '2']);
    expect(seen).toHaveLength(2);
    expect(seen.map((request) => request.url.pathname)).toEqual([
      '/v23.0/3003/phone_numbers',
      '/v23.0/3003/phone_numbers',
    ]);
    expect(seen[1].url.searchParams.get('after')).toBe('c1');
    expect(seen[1].url.searchParams.get('limit')).toBe('100');
    expect(seen[1].url.searchParams.get('fields')).toBe(PHONE_NUMBER_FIELDS.join(','));
  });

  it('uploads media as multipart with the bytes and the MIME type', async () => {
    handler = (_request, response) => json(response, 200, { id: 'media-1' });
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);

    await expect(
      client.uploadMedia('tok', '1001', { bytes, mimeType: 'image/png', filename: 'a.png' }),
    ).resolves.toEqual({ id: 'media-1' });

    const [request] = seen;
    expect(request.url.pathname).toBe('/v23.0/1001/media');
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(request.body, {
      headers: { 'content-type': request.headers['content-type'] ?? '' },
    }).formData();
    expect(form.get('messaging_product')).toBe('whatsapp');
    expect(form.get('type')).toBe('image/png');
    const file = form.get('file') as File;
    expect(file.name).toBe('a.png');
    expect(file.type).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(bytes);
  });

  /** The form the server received in the only request seen. */
  async function receivedForm() {
    const [request] = seen;
    return new Response(request.body, {
      headers: { 'content-type': request.headers['content-type'] ?? '' },
    }).formData();
  }

  it('streams an upload: the server has the first chunk before the file is read to its end', async () => {
    handler = (_request, response) => json(response, 200, { id: 'media-2' });
    const first = Buffer.alloc(64 * 1024, 1);
    const second = Buffer.alloc(64 * 1024, 2);
    let firstArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    onData = (chunk) => (chunk.includes(1) ? firstArrived() : undefined);
    async function* file() {
      yield first;
      await arrived; // a client that read the whole file before sending would wait here forever
      yield second;
    }

    try {
      await expect(
        client.uploadMedia('tok', '1001', {
          stream: file(),
          size: first.length + second.length,
          mimeType: 'video/mp4',
          filename: 'clip "1".mp4',
        }),
      ).resolves.toEqual({ id: 'media-2' });
    } finally {
      onData = () => undefined;
    }

    expect(Number(seen[0].headers['content-length'])).toBe(seen[0].body.length);
    expect(seen[0].headers['transfer-encoding']).toBeUndefined();
    const form = await receivedForm();
    expect(form.get('messaging_product')).toBe('whatsapp');
    expect(form.get('type')).toBe('video/mp4');
    const received = form.get('file') as File;
    expect(received.name).toBe('clip "1".mp4'); // sent as `clip %221%22.mp4`, as browsers escape it
    expect(received.type).toBe('video/mp4');
    const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    expect(sha256(new Uint8Array(await received.arrayBuffer()))).toBe(sha256(Buffer.concat([first, second])));
  });

  it('rejects with the file’s own error when its stream fails mid-upload', async () => {
    handler = (_request, response) => json(response, 200, { id: 'never' });
    const broken = new Error('S3 GET answered HTTP 500');
    const stream = Readable.from(
      (async function* () {
        yield Buffer.from('part of the file');
        throw broken;
      })(),
    );

    await expect(
      client.uploadMedia('tok', '1001', { stream, size: 1000, mimeType: 'application/pdf', filename: 'a.pdf' }),
    ).rejects.toBe(broken);
  });

  it('abandons an upload whose signal aborts while the body is still being sent', async () => {
    handler = (_request, response) => json(response, 200, { id: 'never' });
    async function* stalled() {
      yield Buffer.from('the start of a long file');
      await new Promise(() => undefined); // the rest never comes, as when Meta stops reading
    }
    const abort = new AbortController();
    onData = () => abort.abort(new Error('upload deadline passed'));
    try {
      await expect(
        client.uploadMedia(
          'tok',
          '1001',
          { stream: stalled(), size: 1_000_000, mimeType: 'video/mp4' },
          { signal: abort.signal },
        ),
      ).rejects.toMatchObject({
        name: 'MetaApiError',
        kind: 'timeout',
        retry: 'later',
        message: 'Graph API call abandoned: Error: upload deadline passed',
      });
    } finally {
      onData = () => undefined;
    }
  });

  it('refuses a stream longer than declared instead of sending a body of another length', async () => {
    handler = (_request, response) => json(response, 200, { id: 'never' });

    await expect(
      client.uploadMedia('tok', '1001', {
        stream: Readable.from([Buffer.from('12345'), Buffer.from('678')]),
        size: 5,
        mimeType: 'text/plain',
      }),
    ).rejects.toThrow('The file to upload has more than the 5 bytes declared');
    expect(seen.filter((request) => request.body.includes('678'))).toEqual([]);
  });

  it('downloads media from an absolute URL with the bearer token', async () => {
    handler = (_request, response) => response.writeHead(200, { 'content-type': 'audio/ogg' }).end(Buffer.from('OggS'));

    const media = await client.downloadMedia('tok', `${baseUrl}/whatsapp_business/attachments/?mid=1`);

    expect(media).toEqual({ bytes: Buffer.from('OggS'), mimeType: 'audio/ogg' });
    expect(seen[0].headers.authorization).toBe('Bearer tok');
    expect(seen[0].url.searchParams.get('mid')).toBe('1');
  });

  it('exchanges a signup code without a bearer token, from JSON or a bare token', async () => {
    handler = (_request, response) => json(response, 200, { access_token: 'biz-token', token_type: 'bearer' });
    await expect(client.exchangeCode('app', 'secret', 'code-1')).resolves.toEqual({ accessToken: 'biz-token' });
    expect(seen[0].url.pathname).toBe('/v23.0/oauth/access_token');
    expect(Object.fromEntries(seen[0].url.searchParams)).toEqual({
      client_id: 'app',
      client_secret: 'secret',
      code: 'code-1',
    });
    expect(seen[0].headers.authorization).toBeUndefined();

    handler = (_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('bare-token\n');
    await expect(client.exchangeCode('app', 'secret', 'code-2')).resolves.toEqual({ accessToken: 'bare-token' });
  });

  it('returns the next template cursor only when Meta has another page', async () => {
    handler = (request, response) =>
      json(response, 200, {
        data: [{ id: 't1', name: 'hello', language: 'en_US', status: 'APPROVED', category: 'UTILITY' }],
        paging: request.url.searchParams.get('after')
          ? { cursors: { after: 'z' } }
          : { cursors: { after: 'n1' }, next: `${baseUrl}/next` },
      });

    await expect(client.listTemplates('tok', '3003', { status: 'APPROVED', limit: 1 })).resolves.toMatchObject({
      after: 'n1',
    });
    expect(seen[0].url.searchParams.get('status')).toBe('APPROVED');
    expect(seen[0].url.searchParams.get('limit')).toBe('1');
    const last = await client.listTemplates('tok', '3003', { after: 'n1' });
    expect(last.after).toBeUndefined();
  });
});
