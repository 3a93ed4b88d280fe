import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An S3-compatible object store over real HTTP, for tests that cannot reach AWS or run MinIO.
 * Path-style addressing (`/{bucket}/{key}`), object GET/PUT/HEAD/DELETE, and what S3 checks before
 * any of them: a Signature Version 4 `Authorization` header, computed here from the request as
 * received (written apart from the service's signer, so one cannot hide the other's mistake), the
 * request time, and the payload hash. Errors are S3's status codes and XML bodies.
 */

export interface StoredObject {
  bytes: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export interface S3Request {
  method: string;
  bucket: string;
  key: string;
  status: number;
  /** The S3 error code, for refused requests. */
  code?: string;
}

/** Makes matching requests fail as S3 would when something on its side goes wrong. */
export interface S3Fault {
  method?: string;
  status: number;
  code: string;
  message?: string;
  /** How many requests it fails; unlimited when left out. */
  times?: number;
}

export interface S3ServerOptions {
  region?: string;
  buckets?: string[];
  /** Access key id → secret access key. */
  credentials?: Record<string, string>;
  /** The store's clock, for the request-time check. */
  now?: () => Date;
}

export interface S3Error {
  status: number;
  code: string;
  message: string;
}

export interface S3TestServer {
  url: string;
  region: string;
  /** `{bucket}/{key}` → object. */
  objects: Map<string, StoredObject>;
  /** Access key id → secret; change a secret to make the service's signatures wrong. */
  credentials: Map<string, string>;
  /** Every request, oldest first, with the status it got. */
  requests: S3Request[];
  /** Fails matching requests (after reading them) until cleared or used up. */
  fail(fault: S3Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** S3 refuses requests whose time is more than 15 minutes from its own. */
const MAX_SKEW_MS = 15 * 60_000;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 unreserved characters stay; every other byte is %XX with upper-case hex. */
function uriEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const error = (status: number, code: string, message: string): S3Error => ({ status, code, message });

export interface SignedRequest {
  method: string;
  /** The request target as sent: path and query. */
  rawUrl: string;
  /** Lower-case names, as Node parses them. */
  headers: IncomingHttpHeaders;
}

/**
 * What S3 answers a request's SigV4 `Authorization` header: undefined when it holds, else the error.
 * It does not look at the body: the caller compares `x-amz-content-sha256` with it.
 */
export function checkSigV4(
  request: SignedRequest,
  secretOf: (accessKeyId: string) => string | undefined,
  region: string,
  now: Date,
): S3Error | undefined {
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization) {
    return error(403, 'AccessDenied', 'Access Denied');
  }
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) {
    return error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  }
  const [, accessKeyId, scopeDate, scopeRegion, service, signedHeaderList, signature] = match;
  const secret = secretOf(accessKeyId);
  if (secret === undefined) {
    return error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  }
  if (scopeRegion !== region || service !== 's3') {
    return error(
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'`,
    );
  }
  const amzDate = headerValue(request.headers, 'x-amz-date') ?? '';
  const time = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!time) {
    return error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  const requestTime = Date.UTC(+time[1], +time[2] - 1, +time[3], +time[4], +time[5], +time[6]);
  if (Math.abs(requestTime - now.getTime()) > MAX_SKEW_MS) {
    return error(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    );
  }
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (!payloadHash) {
    return error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  const signedHeaders = signedHeaderList.split(';');
  const sorted = [...signedHeaders].sort();
  if (!signedHeaders.includes('host') || signedHeaders.some((name, index) => name !== sorted[index])) {
    return error(400, 'AuthorizationHeaderMalformed', 'SignedHeaders must be sorted and include host.');
  }
  const unsigned = Object.keys(request.headers).filter(
    (name) => name.startsWith('x-amz-') && !signedHeaders.includes(name),
  );
  if (unsigned.length > 0) {
    return error(403, 'AccessDenied', `There were headers present in the request which were not signed: ${unsigned}`);
  }

  const queryAt = request.rawUrl.indexOf('?');
  const rawPath = queryAt < 0 ? request.rawUrl : request.rawUrl.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? '' : request.rawUrl.slice(queryAt + 1);
  const canonicalUri = rawPath
    .split('/')
    .map((segment) => uriEncode(decode(segment)))
    .join('/');
  const canonicalQuery = rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const equals = pair.indexOf('=');
      const [name, value] = equals < 0 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
      return [uriEncode(decode(name)), uriEncode(decode(value))];
    })
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(headerValue(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const scope = `${scopeDate}/${scopeRegion}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, scopeDate), scopeRegion), 's3'), 'aws4_request');
  const expected = Buffer.from(hmac(signingKey, stringToSign).toString('hex'));
  if (scopeDate !== amzDate.slice(0, 8) || !timingSafeEqual(expected, Buffer.from(signature))) {
    return error(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
  return undefined;
}

const escapeXml = (value: string): string => value.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3TestServer> {
  const region = options.region ?? 'us-east-1';
  const buckets = new Set(options.buckets ?? ['media']);
  const credentials = new Map(Object.entries(options.credentials ?? { AKIDS3TEST: 's3-test-secret' }));
  const now = options.now ?? (() => new Date());
  const objects = new Map<string, StoredObject>();
  const requests: S3Request[] = [];
  let faults: S3Fault[] = [];

  function takeFault(method: string): S3Fault | undefined {
    const fault = faults.find((candidate) => !candidate.method || candidate.method === method);
    if (fault?.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) {
        faults = faults.filter((candidate) => candidate !== fault);
      }
    }
    return fault;
  }

  function answer(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const [rawPath] = (request.url ?? '/').split('?');
    const [bucket = '', ...keyParts] = rawPath.split('/').slice(1).map(decode);
    const key = keyParts.join('/');
    const method = request.method ?? 'GET';
    const log = (status: number, code?: string) => requests.push({ method, bucket, key, status, code });

    const refuse = ({ status, code, message }: S3Error) => {
      log(status, code);
      const resource = `/${bucket}${key ? `/${key}` : ''}`;
      const xml =
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
        `${key ? `<Key>${escapeXml(key)}</Key>` : ''}<Resource>${escapeXml(resource)}</Resource>` +
        `<RequestId>${requestId}</RequestId></Error>`;
      // Answers to HEAD carry no body, errors included.
      response.writeHead(status, {
        'content-type': 'application/xml',
        'x-amz-request-id': requestId,
        ...(method === 'HEAD' ? {} : { 'content-length': Buffer.byteLength(xml) }),
      });
      response.end(method === 'HEAD' ? undefined : xml);
    };

    const fault = takeFault(method);
    if (fault) {
      return refuse(
        error(fault.status, fault.code, fault.message ?? 'We encountered an internal error. Please try again.'),
      );
    }
    const problem = checkSigV4(
      { method, rawUrl: request.url ?? '/', headers: request.headers },
      (id) => credentials.get(id),
      region,
      now(),
    );
    if (problem) {
      return refuse(problem);
    }
    const payloadHash = headerValue(request.headers, 'x-amz-content-sha256');
    if (payloadHash !== UNSIGNED_PAYLOAD && payloadHash !== sha256Hex(body)) {
      return refuse(
        error(
          400,
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ),
      );
    }
    if (!buckets.has(bucket)) {
      return refuse(error(404, 'NoSuchBucket', 'The specified bucket does not exist'));
    }
    if (!key) {
      return refuse(error(501, 'NotImplemented', 'Only object operations are implemented by this test server.'));
    }
    const id = `${bucket}/${key}`;
    const object = objects.get(id);
    const headers = (stored: StoredObject) => ({
      'content-type': stored.contentType,
      'content-length': stored.bytes.length,
      etag: stored.etag,
      'last-modified': stored.lastModified.toUTCString(),
      'x-amz-request-id': requestId,
    });
    switch (method) {
      case 'PUT': {
        const md5 = headerValue(request.headers, 'content-md5');
        if (md5 && md5 !== createHash('md5').update(body).digest('base64')) {
          return refuse(error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.'));
        }
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        objects.set(id, {
          bytes: body,
          contentType: headerValue(request.headers, 'content-type') ?? 'binary/octet-stream',
          etag,
          lastModified: now(),
        });
        log(200);
        response.writeHead(200, { etag, 'content-length': 0, 'x-amz-request-id': requestId }).end();
        return;
      }
      case 'GET':
      case 'HEAD':
        if (!object) {
          return refuse(error(404, 'NoSuchKey', 'The specified key does not exist.'));
        }
        log(200);
        response.writeHead(200, headers(object)).end(method === 'GET' ? object.bytes : undefined);
        return;
      case 'DELETE':
        objects.delete(id);
        log(204);
        response.writeHead(204, { 'x-amz-request-id': requestId }).end();
        return;
      default:
        return refuse(error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.'));
    }
  }

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(request, response, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region,
    objects,
    credentials,
    requests,
    fail: (fault) => void faults.push({ ...fault }),
    clearFaults: () => void (faults = []),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
