import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { MAX_MEDIA_BYTES, maxBytesOf, mediaKindOf, normalizeMimeType, SUPPORTED_MIME_TYPES } from './media-types';

export interface UploadedFile {
  bytes: Buffer;
  mimeType: string;
  filename: string | null;
}

/**
 * Reads the `file` part of a multipart upload and checks it against Meta's limits for its type.
 * The body is always read to its end, so the client gets our answer rather than a reset connection.
 */
export async function readUploadedFile(request: FastifyRequest): Promise<UploadedFile> {
  if (!request.isMultipart()) {
    throw new AppException(ErrorCode.UnsupportedMediaType, 'Send the file as multipart/form-data in the field `file`');
  }
  const part = await request
    .file({ limits: { fileSize: MAX_MEDIA_BYTES, files: 1, fields: 10 } })
    .catch((error: unknown) => {
      throw malformed(error);
    });
  if (!part || part.fieldname !== 'file') {
    if (part) {
      await drain(part.file, 0);
    }
    throw AppException.validation('Invalid request: no file', [
      { field: 'file', message: 'a file is required in the multipart field `file`' },
    ]);
  }
  const filename = part.filename ? part.filename.slice(0, 255) : null;
  const mimeType = normalizeMimeType(part.mimetype, filename);
  const kind = mediaKindOf(mimeType);
  const { bytes, size, truncated } = await drain(part.file, kind ? maxBytesOf(kind) : 0);
  if (!kind) {
    throw new AppException(ErrorCode.UnsupportedMediaType, `WhatsApp does not accept ${mimeType} files`, {
      mimeType,
      supported: SUPPORTED_MIME_TYPES,
    });
  }
  const limit = maxBytesOf(kind, bytes);
  if (truncated || size > limit) {
    throw new AppException(
      ErrorCode.PayloadTooLarge,
      `A ${mimeType} file may have at most ${limit} bytes${truncated ? '' : `; this one has ${size}`}`,
      { mimeType, maxBytes: limit },
    );
  }
  if (size === 0) {
    throw AppException.validation('Invalid request: the file is empty', [{ field: 'file', message: 'is empty' }]);
  }
  return { bytes, mimeType, filename };
}

/** Reads the stream to its end, keeping at most `keep` bytes (one more, to tell an oversized file). */
async function drain(
  stream: MultipartFile['file'],
  keep: number,
): Promise<{ bytes: Buffer; size: number; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (size <= keep) {
        chunks.push(chunk);
      }
      size += chunk.length;
    }
  } catch (error) {
    throw malformed(error);
  }
  return { bytes: Buffer.concat(chunks), size, truncated: stream.truncated };
}

function malformed(error: unknown): AppException {
  const reason = error instanceof Error ? error.message : String(error);
  return AppException.validation(`Invalid request: the multipart body could not be read (${reason})`, [
    { field: 'file', message: 'malformed multipart body' },
  ]);
}
