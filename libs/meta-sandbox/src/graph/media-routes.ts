import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxContext } from '../context';
import type { MediaRecord, PhoneRecord } from '../state/records';
import { GraphError, GraphErrors } from './graph-error';
import type { GraphRequest } from './http';
import type { RouteResult } from './routes';

const MB = 1024 * 1024;
/** Upload limits per MIME type (§7). */
const MEDIA_LIMITS: Record<string, number> = {
  'image/jpeg': 5 * MB,
  'image/png': 5 * MB,
  'image/webp': 500 * 1024,
  'video/mp4': 16 * MB,
  'video/3gpp': 16 * MB,
  'audio/aac': 16 * MB,
  'audio/amr': 16 * MB,
  'audio/mpeg': 16 * MB,
  'audio/mp4': 16 * MB,
  'audio/ogg': 16 * MB,
  'text/plain': 100 * MB,
  'application/pdf': 100 * MB,
  'application/msword': 100 * MB,
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 100 * MB,
  'application/vnd.ms-excel': 100 * MB,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 100 * MB,
  'application/vnd.ms-powerpoint': 100 * MB,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 100 * MB,
};
/** Media URLs work for five minutes, as Meta's do. */
const URL_TTL_MS = 5 * 60 * 1000;

const uploadError = (details: string) => new GraphError(131053, 'Media upload error', details);

export function handleMediaUpload(context: SandboxContext, request: GraphRequest, phone: PhoneRecord): unknown {
  if (request.body.messaging_product !== 'whatsapp') {
    throw GraphErrors.invalidParameter("Param messaging_product must be 'whatsapp'.");
  }
  const file = request.files.get('file');
  if (!file) {
    throw GraphErrors.missingParameter('The parameter file is required.');
  }
  const mimeType = String(request.body.type ?? file.mimeType)
    .split(';')[0]
    .trim()
    .toLowerCase();
  const limit = MEDIA_LIMITS[mimeType];
  if (limit === undefined) {
    throw uploadError(`Param file must be a file with a supported type; got ${mimeType}.`);
  }
  if (file.bytes.length === 0 || file.bytes.length > limit) {
    throw uploadError(`A ${mimeType} file is 1 byte to ${limit} bytes; got ${file.bytes.length}.`);
  }
  const id = context.state.ids.newId();
  context.state.media.set(id, {
    id,
    phoneNumberId: phone.id,
    wabaId: phone.wabaId,
    mimeType,
    bytes: file.bytes,
    sha256: createHash('sha256').update(file.bytes).digest(),
    filename: file.filename,
  });
  context.uploads.push({
    phoneNumberId: phone.id,
    mediaId: id,
    mimeType,
    sizeBytes: file.bytes.length,
    filename: file.filename,
    receivedAt: new Date(),
  });
  return { id };
}

/** `GET /{media}` (a URL to download) and `DELETE /{media}`; `phone_number_id` must match when given. */
export function handleMediaNode(context: SandboxContext, request: GraphRequest, media: MediaRecord): unknown {
  const phoneNumberId = request.query.get('phone_number_id');
  if (phoneNumberId && phoneNumberId !== media.phoneNumberId) {
    throw GraphErrors.invalidParameter(`Media ${media.id} does not belong to phone number ${phoneNumberId}.`);
  }
  if (request.method === 'DELETE') {
    context.state.media.delete(media.id);
    return { success: true };
  }
  if (request.method !== 'GET') {
    throw GraphErrors.unknownObject(request.method, media.id);
  }
  return {
    messaging_product: 'whatsapp',
    url: downloadUrl(context, media.id),
    mime_type: media.mimeType,
    sha256: media.sha256.toString('hex'),
    file_size: String(media.bytes.length),
    id: media.id,
  };
}

function urlSignature(context: SandboxContext, mediaId: string, expires: string): string {
  return createHmac('sha256', context.appSecret).update(`${mediaId}:${expires}`).digest('hex');
}

export function downloadUrl(context: SandboxContext, mediaId: string): string {
  const expires = String(Date.now() + URL_TTL_MS);
  return `${context.baseUrl()}/whatsapp_business/attachments/?mid=${mediaId}&ext=${expires}&hash=${urlSignature(context, mediaId, expires)}`;
}

/** The bytes behind a media URL: the URL must be unexpired and the token must own the media. */
export function handleMediaDownload(context: SandboxContext, request: GraphRequest): RouteResult {
  const mediaId = request.query.get('mid') ?? '';
  const expires = request.query.get('ext') ?? '';
  const hash = Buffer.from(request.query.get('hash') ?? '');
  const expected = Buffer.from(urlSignature(context, mediaId, expires));
  const media = context.state.media.get(mediaId);
  const valid = hash.length === expected.length && timingSafeEqual(hash, expected) && Number(expires) > Date.now();
  if (!media || !valid || !context.state.wabas.get(media.wabaId)?.accessTokens.has(request.token ?? '')) {
    return { status: 404, body: { error: 'URL signature mismatch or expired' } };
  }
  return { bytes: { data: media.bytes, contentType: media.mimeType } };
}
