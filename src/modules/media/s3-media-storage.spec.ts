import { createHash } from 'node:crypto';
import { checkSigV4, S3TestServer, startS3Server } from '../../../test/helpers/s3-server';
import { MediaStorageError } from './media-storage';
import { S3MediaStorage } from './s3-media-storage';
import { EMPTY_PAYLOAD_HASH, sha256Hex, signV4 } from './sigv4';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret', region: 'eu-west-1' };

describe('S3MediaStorage', () => {
  let s3: S3TestServer;
  let storage: S3MediaStorage;
  const key = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';

  beforeAll(async () => {
    s3 = await startS3Server({
      region: credentials.region,
      buckets: ['media'],
      credentials: { [credentials.accessKeyId]: credentials.secretAccessKey },
    });
    storage = new S3MediaStorage({ endpoint: `${s3.url}/`, bucket: 'media', ...credentials });
  });
  afterAll(() => s3.close());
  afterEach(() => s3.clearFaults());

  it('puts, opens and removes an object under /bucket/key, every request signed', async () => {
    const bytes = Buffer.from('a file');
    await storage.put(key, bytes);
    expect(s3.objects.get(`media/${key}`)?.bytes).toEqual(bytes);
    const file = await storage.open(key);
    expect(file.size).toBe(bytes.length);
    expect(Buffer.concat(await file.stream.toArray())).toEqual(bytes);
    await storage.remove(key);
    expect(s3.objects.size).toBe(0);
    expect(s3.requests.map(({ method, status }) => `${method} ${status}`)).toEqual([
      'PUT 200',
      'GET 200',
      'DELETE 204',
    ]);
  });

  it('rejects opening a missing object with the store’s answer, before any byte is read', async () => {
    const refused = storage.open(key);
    await expect(refused).rejects.toThrow(MediaStorageError);
    await expect(refused).rejects.toMatchObject({ status: 404, code: 'NoSuchKey' });
  });

  it('reports a refused signature and stores nothing', async () => {
    const wrong = new S3MediaStorage({ endpoint: s3.url, bucket: 'media', ...credentials, secretAccessKey: 'wrong' });
    await expect(wrong.put(key, Buffer.from('x'))).rejects.toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: expect.stringMatching(/^S3 PUT .* answered HTTP 403 SignatureDoesNotMatch/),
    });
    expect(s3.objects.size).toBe(0);
  });

  it('reports a store that fails the PUT, and an unreachable one', async () => {
    s3.fail({ method: 'PUT', status: 500, code: 'InternalError', times: 1 });
    await expect(storage.put(key, Buffer.from('x'))).rejects.toMatchObject({ status: 500, code: 'InternalError' });
    expect(s3.objects.size).toBe(0);

    const nowhere = new S3MediaStorage({ endpoint: 'http://127.0.0.1:1', bucket: 'media', ...credentials });
    await expect(nowhere.put(key, Buffer.from('x'))).rejects.toThrow(/^S3 PUT .* failed: fetch failed/);
  });

  it('refuses keys that are not ours before any request', async () => {
    await expect(storage.put('../etc/passwd', Buffer.from('x'))).rejects.toThrow(/Invalid media storage key/);
  });
});

/** The test store answers as S3 does: status codes, headers and XML errors. */
describe('the S3 test server', () => {
  let s3: S3TestServer;
  const signed = (
    method: string,
    path: string,
    body?: Buffer,
    payloadHash = body ? sha256Hex(body) : EMPTY_PAYLOAD_HASH,
  ) => {
    const url = new URL(`${s3.url}${path}`);
    const headers = signV4({ method, url, headers: {}, payloadHash }, { ...credentials, service: 's3' });
    return fetch(url, { method, headers, body });
  };

  beforeAll(async () => {
    s3 = await startS3Server({
      region: credentials.region,
      buckets: ['media'],
      credentials: { [credentials.accessKeyId]: credentials.secretAccessKey },
    });
  });
  afterAll(() => s3.close());

  it('answers HEAD with the object’s headers and no body, and 404 without a body', async () => {
    expect((await signed('PUT', '/media/a/b', Buffer.from('twelve bytes'))).status).toBe(200);
    const head = await signed('HEAD', '/media/a/b');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('12');
    expect(head.headers.get('etag')).toBe(`"${createHash('md5').update('twelve bytes').digest('hex')}"`);
    expect(await head.text()).toBe('');
    const missing = await signed('HEAD', '/media/a/none');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('');
  });

  it('answers S3’s XML errors: no such key, no such bucket, a body that is not the one signed', async () => {
    const noKey = await signed('GET', '/media/a/none');
    expect(noKey.status).toBe(404);
    expect(noKey.headers.get('content-type')).toBe('application/xml');
    expect(await noKey.text()).toMatch(
      /^<\?xml .*\?>\n<Error><Code>NoSuchKey<\/Code><Message>.*<\/Message><Key>a\/none<\/Key>/,
    );
    const noBucket = await signed('GET', '/other/a');
    expect(noBucket.status).toBe(404);
    expect(await noBucket.text()).toContain('<Code>NoSuchBucket</Code>');
    const tampered = await signed('PUT', '/media/a/c', Buffer.from('sent'), sha256Hex('signed'));
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
    expect(s3.objects.has('media/a/c')).toBe(false);
  });
});

/** The test store's own check, against the GET Object example of AWS's S3 documentation. */
describe('the S3 test server’s signature check', () => {
  const example = {
    method: 'GET',
    rawUrl: '/test.txt',
    headers: {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-amz-date': '20130524T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    },
  };
  const secretOf = (id: string) =>
    id === 'AKIAIOSFODNN7EXAMPLE' ? 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' : undefined;
  const at = new Date('2013-05-24T00:05:00Z');

  it('accepts the documented signature', () => {
    expect(checkSigV4(example, secretOf, 'us-east-1', at)).toBeUndefined();
  });

  it.each([
    ['a signed header changed', { headers: { ...example.headers, range: 'bytes=0-99' } }, 403, 'SignatureDoesNotMatch'],
    ['another path', { rawUrl: '/test2.txt' }, 403, 'SignatureDoesNotMatch'],
    [
      'an unknown key id',
      {
        headers: {
          ...example.headers,
          authorization: example.headers.authorization.replace('AKIAIOSFODNN7EXAMPLE', 'AKIDOTHER'),
        },
      },
      403,
      'InvalidAccessKeyId',
    ],
    ['no Authorization', { headers: { ...example.headers, authorization: undefined } }, 403, 'AccessDenied'],
    ['an unsigned x-amz- header', { headers: { ...example.headers, 'x-amz-meta-a': '1' } }, 403, 'AccessDenied'],
  ])('refuses %s', (_case, change, status, code) => {
    expect(checkSigV4({ ...example, ...change }, secretOf, 'us-east-1', at)).toMatchObject({ status, code });
  });

  it('refuses another region and a request time 15 minutes off', () => {
    expect(checkSigV4(example, secretOf, 'eu-west-1', at)).toMatchObject({ code: 'AuthorizationHeaderMalformed' });
    const later = new Date('2013-05-24T00:15:01Z');
    expect(checkSigV4(example, secretOf, 'us-east-1', later)).toMatchObject({
      status: 403,
      code: 'RequestTimeTooSkewed',
    });
  });
});
