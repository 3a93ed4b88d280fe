import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SandboxHost } from '../../src/modules/meta/sandbox-host';
import { WabasService } from '../../src/modules/wabas/wabas.service';
import { bearer } from '../helpers/factories';
import { readJson } from '../helpers/http';
import { fileOf, sha256, uploadedMedia, uploadMedia } from '../helpers/media';
import { S3TestServer, startS3Server } from '../helpers/s3-server';
import { customerWrites, messageReaches, sandboxTenant, sendMessage } from '../helpers/sending';
import { startTestService, TestService } from '../helpers/test-service';

const BUCKET = 'openwaba-media';
const REGION = 'eu-central-1';
const ACCESS_KEY_ID = 'AKIDOPENWABAE2E';
const SECRET = 's3-e2e-secret';

/**
 * The service as deployed with MEDIA_STORAGE=s3, against an S3-compatible store over HTTP that
 * checks every request's SigV4 signature as S3 does: files go to the bucket and come back from it,
 * Meta gets its copies from it, and a store that refuses is a clear error with nothing half-stored.
 */
describe('Media in an S3-compatible bucket (MEDIA_STORAGE=s3)', () => {
  let s3: S3TestServer;
  let service: TestService;
  let mediaDir: string;

  beforeAll(async () => {
    s3 = await startS3Server({ region: REGION, buckets: [BUCKET], credentials: { [ACCESS_KEY_ID]: SECRET } });
    mediaDir = await mkdtemp(join(tmpdir(), 'owb-media-s3-'));
    service = await startTestService({
      MEDIA_STORAGE: 's3',
      S3_ENDPOINT: s3.url,
      S3_BUCKET: BUCKET,
      S3_REGION: REGION,
      S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: SECRET,
      MEDIA_DIR: mediaDir,
      SEND_RETRY_DELAY_MS: '50',
    });
  });
  afterEach(() => {
    s3.clearFaults();
    s3.credentials.set(ACCESS_KEY_ID, SECRET);
  });
  afterAll(async () => {
    await service?.close();
    await s3?.close();
    await rm(mediaDir, { recursive: true, force: true });
  });

  const upload = (key: string, bytes: Buffer, type: string, filename: string) =>
    uploadMedia(service.url, key, bytes, type, filename);
  const uploaded = (key: string, bytes: Buffer, type: string, filename: string) =>
    uploadedMedia(service.url, key, bytes, type, filename);

  /** The bucket's objects of one organization (keys are `{orgId}/{mediaId}`). */
  const objectsOf = (orgId: string) => [...s3.objects.keys()].filter((key) => key.startsWith(`${BUCKET}/${orgId}/`));
  const requestsFor = (orgId: string, mediaId: string) =>
    s3.requests
      .filter((request) => request.key === `${orgId}/${mediaId}`)
      .map(({ method, status, code }) => (code ? `${method} ${status} ${code}` : `${method} ${status}`));

  it('keeps an upload in the bucket and serves it back byte for byte', async () => {
    const { tenant, key } = await sandboxTenant(service);
    const pdf = fileOf('%PDF-1.7\n', 3 * 1024 * 1024);
    const media = await uploaded(key, pdf, 'application/pdf', 'catalogue.pdf');
    expect(media).toMatchObject({
      source: 'upload',
      status: 'ready',
      mimeType: 'application/pdf',
      filename: 'catalogue.pdf',
      sizeBytes: pdf.length,
      sha256: sha256(pdf),
    });
    const object = s3.objects.get(`${BUCKET}/${tenant.orgId}/${media.id}`)!;
    expect(sha256(object.bytes)).toBe(sha256(pdf));

    const got = await service.api.GET('/v1/media/{mediaId}', {
      headers: bearer(key),
      params: { path: { mediaId: media.id } },
    });
    expect(got.data!.data).toEqual(media);
    const content = await fetch(`${service.url}/v1/media/${media.id}/content`, { headers: bearer(key) });
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('application/pdf');
    expect(content.headers.get('content-length')).toBe(String(pdf.length));
    expect(content.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''catalogue.pdf");
    expect(sha256(new Uint8Array(await content.arrayBuffer()))).toBe(sha256(pdf));

    expect(requestsFor(tenant.orgId, media.id)).toEqual(['PUT 200', 'GET 200']);
    expect(await readdir(mediaDir)).toEqual([]);
  });

  it('sends an image by our id: Meta receives the bytes read from the bucket, once', async () => {
    const { tenant, key, wabaId, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const png = fileOf('\x89PNG\r\n\x1a\n', 512 * 1024);
    const media = await uploaded(key, png, 'image/png', 'poster.png');
    const { to } = await customerWrites(service, key, phoneNumberId);
    const accepted = await Promise.all(
      ['first', 'second'].map((caption) =>
        sendMessage(service, key, { phoneNumberId, to, type: 'image', image: { id: media.id, caption } }),
      ),
    );
    expect(accepted.map((result) => result.response.status)).toEqual([202, 202]);
    const read = await Promise.all(
      accepted.map((result) => messageReaches(service, key, result.data!.data.id, 'read')),
    );

    const sandbox = await service.context.get(SandboxHost).get();
    const uploads = sandbox.mediaUploads(metaPhoneNumberId);
    expect(uploads).toEqual([
      expect.objectContaining({ mimeType: 'image/png', sizeBytes: png.length, filename: 'poster.png' }),
    ]);
    const wabas = service.context.get(WabasService);
    const { graph, token } = await wabas.access((await wabas.findById(wabaId))!);
    const onMeta = await graph.downloadMedia(token, (await graph.getMedia(token, uploads[0].mediaId)).url);
    expect(sha256(onMeta.bytes)).toBe(sha256(png));
    // The worker read the file from the bucket once, for its one upload.
    expect(requestsFor(tenant.orgId, media.id)).toEqual(['PUT 200', 'GET 200']);
    for (const [index, message] of read.entries()) {
      const sent = sandbox.sentMessages(metaPhoneNumberId).find((request) => request.messageId === message.waMessageId);
      expect(sent!.body.image).toEqual({ id: uploads[0].mediaId, caption: index === 0 ? 'first' : 'second' });
    }
  });

  it('sends once the bucket serves the file again after failing a read', async () => {
    const { tenant, key, phoneNumberId, metaPhoneNumberId } = await sandboxTenant(service);
    const ogg = fileOf('OggS', 8 * 1024);
    const media = await uploaded(key, ogg, 'audio/ogg', 'hello.ogg');
    const { to } = await customerWrites(service, key, phoneNumberId);
    s3.fail({ method: 'GET', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.', times: 1 });

    const accepted = await sendMessage(service, key, {
      phoneNumberId,
      to,
      type: 'audio',
      audio: { id: media.id, voice: true },
    });
    expect(accepted.response.status).toBe(202);
    const read = await messageReaches(service, key, accepted.data!.data.id, 'read');
    expect(read.attempts).toBe(2);
    expect(requestsFor(tenant.orgId, media.id)).toEqual(['PUT 200', 'GET 503 SlowDown', 'GET 200']);
    const sandbox = await service.context.get(SandboxHost).get();
    expect(sandbox.mediaUploads(metaPhoneNumberId)).toHaveLength(1);
  });

  it('deletes the object with the media', async () => {
    const { tenant, key } = await sandboxTenant(service);
    const media = await uploaded(key, fileOf('%PDF-1.4\n', 1024), 'application/pdf', 'old.pdf');
    const deleted = await service.api.DELETE('/v1/media/{mediaId}', {
      headers: bearer(key),
      params: { path: { mediaId: media.id } },
    });
    expect(deleted.response.status).toBe(204);
    expect(objectsOf(tenant.orgId)).toEqual([]);
    expect(requestsFor(tenant.orgId, media.id)).toEqual(['PUT 200', 'DELETE 204']);
    const got = await service.api.GET('/v1/media/{mediaId}', {
      headers: bearer(key),
      params: { path: { mediaId: media.id } },
    });
    expect(got.response.status).toBe(404);
    const content = await fetch(`${service.url}/v1/media/${media.id}/content`, { headers: bearer(key) });
    expect(content.status).toBe(404);
  });

  it.each<[string, () => void, string]>([
    [
      'a signature it does not accept (the secret was rotated)',
      () => s3.credentials.set(ACCESS_KEY_ID, 'rotated'),
      'PUT 403 SignatureDoesNotMatch',
    ],
    [
      'a PUT it fails (500)',
      () => s3.fail({ method: 'PUT', status: 500, code: 'InternalError' }),
      'PUT 500 InternalError',
    ],
  ])('answers 503 when the bucket refuses %s, with nothing stored', async (_case, refuse, refusal) => {
    const { tenant, key } = await sandboxTenant(service);
    refuse();
    const before = s3.requests.length;
    const response = await upload(key, fileOf('%PDF-1.4\n', 2048), 'application/pdf', 'refused.pdf');
    expect(response.status).toBe(503);
    expect((await readJson(response)).error).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Media storage is unavailable: the file was not stored. Try again later.',
      details: { dependency: 'media-storage' },
      requestId: expect.any(String),
    });
    const refused = s3.requests.slice(before);
    expect(refused.map(({ method, status, code }) => `${method} ${status} ${code}`)).toEqual([refusal]);
    expect(refused[0].key).toMatch(new RegExp(`^${tenant.orgId}/`));
    const rows: unknown[] = await service.context
      .get(DataSource)
      .query(`SELECT id FROM media WHERE organization_id = $1`, [tenant.orgId]);
    expect(rows).toEqual([]);
    expect(objectsOf(tenant.orgId)).toEqual([]);

    // The service carries on: once the bucket takes files again, the same upload works.
    s3.clearFaults();
    s3.credentials.set(ACCESS_KEY_ID, SECRET);
    await uploaded(key, fileOf('%PDF-1.4\n', 2048), 'application/pdf', 'retried.pdf');
    expect(objectsOf(tenant.orgId)).toHaveLength(1);
  });

  it('answers 503, not a broken download, when the bucket fails a read', async () => {
    const { key } = await sandboxTenant(service);
    const media = await uploaded(key, fileOf('%PDF-1.4\n', 1024), 'application/pdf', 'a.pdf');
    s3.fail({ method: 'GET', status: 500, code: 'InternalError', times: 1 });
    const content = await fetch(`${service.url}/v1/media/${media.id}/content`, { headers: bearer(key) });
    expect(content.status).toBe(503);
    expect((await readJson(content)).error).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Media storage is unavailable: the file could not be read. Try again later.',
    });
  });

  it('keeps the media when the bucket refuses to delete its file', async () => {
    const { tenant, key } = await sandboxTenant(service);
    const media = await uploaded(key, fileOf('%PDF-1.4\n', 1024), 'application/pdf', 'keep.pdf');
    s3.fail({ method: 'DELETE', status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const refused = await service.api.DELETE('/v1/media/{mediaId}', {
      headers: bearer(key),
      params: { path: { mediaId: media.id } },
    });
    expect(refused.response.status).toBe(503);
    const got = await service.api.GET('/v1/media/{mediaId}', {
      headers: bearer(key),
      params: { path: { mediaId: media.id } },
    });
    expect(got.data!.data).toEqual(media);
    expect(objectsOf(tenant.orgId)).toHaveLength(1);
  });
});
