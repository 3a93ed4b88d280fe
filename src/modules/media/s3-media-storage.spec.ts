import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3MediaStorage } from './s3-media-storage';
import { sha256Hex, signV4 } from './sigv4';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret', region: 'eu-west-1' };

/** What the store would compute from the request as received: the same signature, or the request is refused. */
function validSignature(request: IncomingMessage, body: Buffer): boolean {
  const authorization = String(request.headers.authorization);
  const signed = /SignedHeaders=([^,]+)/.exec(authorization)?.[1].split(';') ?? [];
  const own = signed.filter((name) => !['host', 'x-amz-date', 'x-amz-content-sha256'].includes(name));
  const amzDate = String(request.headers['x-amz-date']);
  const now = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const expected = signV4(
    {
      method: request.method!,
      url: new URL(request.url!, `http://${request.headers.host}`),
      headers: Object.fromEntries(own.map((name) => [name, String(request.headers[name])])),
      payloadHash: sha256Hex(body),
    },
    { ...credentials, service: 's3' },
    now,
  );
  return expected.authorization === authorization && request.headers['x-amz-content-sha256'] === sha256Hex(body);
}

/** A bucket store over HTTP that checks signatures, like S3 or MinIO would. */
async function fakeS3(): Promise<{ server: Server; url: string; objects: Map<string, Buffer> }> {
  const objects = new Map<string, Buffer>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = request.url!;
      if (!validSignature(request, body)) {
        response.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
      } else if (request.method === 'PUT') {
        objects.set(path, body);
        response.writeHead(200).end();
      } else if (request.method === 'DELETE') {
        objects.delete(path);
        response.writeHead(204).end();
      } else if (objects.has(path)) {
        response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(objects.get(path));
      } else {
        response.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, objects };
}

describe('S3MediaStorage', () => {
  let s3: Awaited<ReturnType<typeof fakeS3>>;
  let storage: S3MediaStorage;
  const key = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';

  beforeAll(async () => {
    s3 = await fakeS3();
    storage = new S3MediaStorage({ endpoint: `${s3.url}/`, bucket: 'media', ...credentials });
  });
  afterAll(() => new Promise((resolve) => s3.server.close(resolve)));

  it('puts, reads back and removes an object under /bucket/key, every request signed', async () => {
    const bytes = Buffer.from('a file');
    await storage.put(key, bytes);
    expect(s3.objects.get(`/media/${key}`)).toEqual(bytes);
    expect(Buffer.concat(await storage.read(key).toArray())).toEqual(bytes);
    await storage.remove(key);
    expect(s3.objects.size).toBe(0);
  });

  it('fails the read stream of a missing object with the store’s answer', async () => {
    await expect(storage.read(key).toArray()).rejects.toThrow(/answered HTTP 404: .*NoSuchKey/);
  });

  it('reports a refused signature', async () => {
    const wrong = new S3MediaStorage({ endpoint: s3.url, bucket: 'media', ...credentials, secretAccessKey: 'wrong' });
    await expect(wrong.put(key, Buffer.from('x'))).rejects.toThrow(/HTTP 403: .*SignatureDoesNotMatch/);
  });

  it('refuses keys that are not ours before any request', async () => {
    await expect(storage.put('../etc/passwd', Buffer.from('x'))).rejects.toThrow(/Invalid media storage key/);
  });
});
