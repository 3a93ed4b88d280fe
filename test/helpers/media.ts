import { createHash, randomBytes } from 'node:crypto';
import { bearer } from './factories';
import { readJson } from './http';

/** A 1×1 PNG. */
export const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** `size` bytes of random content after a format's magic number. */
export const fileOf = (magic: string, size: number) => Buffer.concat([Buffer.from(magic, 'latin1'), randomBytes(size)]);

/** `POST /v1/media` of one file, as a multipart form. */
export function uploadMedia(baseUrl: string, key: string, bytes: Buffer, type: string, filename: string) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), filename);
  return fetch(`${baseUrl}/v1/media`, { method: 'POST', headers: bearer(key), body: form });
}

/** The stored media of an upload that must succeed (a PNG pixel unless told otherwise). */
export async function uploadedMedia(
  baseUrl: string,
  key: string,
  bytes: Buffer = PIXEL,
  type = 'image/png',
  filename = 'pixel.png',
): Promise<{ id: string } & Record<string, unknown>> {
  const response = await uploadMedia(baseUrl, key, bytes, type, filename);
  if (response.status !== 201) {
    throw new Error(`upload refused: ${response.status} ${await response.text()}`);
  }
  return (await readJson(response)).data;
}
