import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { checkedKey, MediaStorage, MediaStorageError, StoredFile } from './media-storage';
import { EMPTY_PAYLOAD_HASH, sha256Hex, signV4 } from './sigv4';

export interface S3Options {
  /** e.g. `https://s3.eu-west-1.amazonaws.com` or `http://minio:9000`; objects are addressed path-style. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Up to 100 MB travel in one request. */
const TIMEOUT_MS = 5 * 60_000;

/**
 * Media in an S3-compatible bucket, shared by every replica; plain fetch with SigV4, no SDK.
 * S3 writes an object whole or not at all, so a refused or broken PUT leaves nothing behind.
 */
export class S3MediaStorage implements MediaStorage {
  constructor(private readonly options: S3Options) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    const response = await this.request('PUT', key, bytes);
    await response.body?.cancel();
  }

  async open(key: string): Promise<StoredFile> {
    const response = await this.request('GET', key);
    const size = Number(response.headers.get('content-length'));
    if (!response.body || !Number.isSafeInteger(size)) {
      await response.body?.cancel();
      throw new MediaStorageError(`S3 GET ${key} answered without a body of known length`, response.status);
    }
    return { stream: Readable.fromWeb(response.body as ReadableStream<Uint8Array>), size };
  }

  /** S3 answers 204 whether or not the object existed. */
  async remove(key: string): Promise<void> {
    const response = await this.request('DELETE', key);
    await response.body?.cancel();
  }

  private async request(method: 'GET' | 'PUT' | 'DELETE', key: string, body?: Buffer): Promise<Response> {
    const url = new URL(`${this.options.endpoint.replace(/\/+$/, '')}/${this.options.bucket}/${checkedKey(key)}`);
    const headers = signV4(
      {
        method,
        url,
        headers: body ? { 'content-type': 'application/octet-stream' } : {},
        payloadHash: body ? sha256Hex(body) : EMPTY_PAYLOAD_HASH,
      },
      { ...this.options, service: 's3' },
    );
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      // fetch fails with `TypeError: fetch failed`; the reason (refused, reset, timeout) is its cause.
      const { message, cause } = (error ?? {}) as { message?: string; cause?: { message?: string } };
      throw new MediaStorageError(
        `S3 ${method} ${key} failed: ${message ?? String(error)}${cause?.message ? ` (${cause.message})` : ''}`,
        undefined,
        undefined,
        { cause: error },
      );
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => '')).slice(0, 500);
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
      throw new MediaStorageError(
        `S3 ${method} ${key} answered HTTP ${response.status}${code ? ` ${code}` : ''}: ${text}`,
        response.status,
        code,
      );
    }
    return response;
  }
}
