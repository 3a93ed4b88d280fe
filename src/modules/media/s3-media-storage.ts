import { Readable } from 'node:stream';
import { checkedKey, MediaStorage } from './media-storage';
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

/** Media in an S3-compatible bucket, shared by every replica; plain fetch with SigV4, no SDK. */
export class S3MediaStorage implements MediaStorage {
  constructor(private readonly options: S3Options) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.request('PUT', key, bytes);
  }

  read(key: string): Readable {
    return Readable.from(this.download(key));
  }

  /** S3 answers 204 whether or not the object existed. */
  async remove(key: string): Promise<void> {
    await this.request('DELETE', key);
  }

  private async *download(key: string): AsyncGenerator<Uint8Array> {
    const response = await this.request('GET', key);
    if (response.body) {
      yield* response.body as unknown as AsyncIterable<Uint8Array>;
    }
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
    const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) {
      const text = (await response.text()).slice(0, 300);
      throw new Error(`S3 ${method} ${key} answered HTTP ${response.status}: ${text}`);
    }
    return response;
  }
}
