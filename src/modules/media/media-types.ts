const KB = 1024;
const MB = 1024 * KB;

/** The message types that carry a file. */
export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** What Meta accepts per message type (reference §1.2 and §7): MIME types and the largest file. */
export const MEDIA_KINDS: Record<MediaKind, { mimeTypes: readonly string[]; maxBytes: number }> = {
  image: { mimeTypes: ['image/jpeg', 'image/png'], maxBytes: 5 * MB },
  video: { mimeTypes: ['video/mp4', 'video/3gpp'], maxBytes: 16 * MB },
  audio: { mimeTypes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'], maxBytes: 16 * MB },
  document: {
    mimeTypes: [
      'text/plain',
      'application/pdf',
      'application/msword',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.ms-excel',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    maxBytes: 100 * MB,
  },
  // Animated stickers may be 500 KB; static ones only 100 KB.
  sticker: { mimeTypes: ['image/webp'], maxBytes: 500 * KB },
};

export const STATIC_STICKER_MAX_BYTES = 100 * KB;

/** The largest file any type allows: the cap of a whole upload. */
export const MAX_MEDIA_BYTES = Math.max(...Object.values(MEDIA_KINDS).map((kind) => kind.maxBytes));

export const SUPPORTED_MIME_TYPES = Object.values(MEDIA_KINDS).flatMap((kind) => kind.mimeTypes);

/** For clients that send `application/octet-stream`: the type the file name implies. */
const BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  mp4: 'video/mp4',
  '3gp': 'video/3gpp',
  aac: 'audio/aac',
  amr: 'audio/amr',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  txt: 'text/plain',
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

const ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'audio/mp3': 'audio/mpeg' };

/** The MIME type without parameters, lower case; guessed from the file name when the client did not say. */
export function normalizeMimeType(declared: string | undefined, filename: string | null): string {
  const mimeType = (declared ?? '').split(';')[0].trim().toLowerCase();
  if (mimeType === '' || mimeType === 'application/octet-stream') {
    const extension = filename?.split('.').pop()?.toLowerCase() ?? '';
    return BY_EXTENSION[extension] ?? (mimeType || 'application/octet-stream');
  }
  return ALIASES[mimeType] ?? mimeType;
}

export function mediaKindOf(mimeType: string): MediaKind | undefined {
  return (Object.keys(MEDIA_KINDS) as MediaKind[]).find((kind) => MEDIA_KINDS[kind].mimeTypes.includes(mimeType));
}

export function isMediaKind(type: string): type is MediaKind {
  return type in MEDIA_KINDS;
}

/** An animated WebP has an extended header (`VP8X`) with the animation flag set. */
export function isAnimatedWebp(bytes: Buffer): boolean {
  return (
    bytes.length > 20 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 16) === 'WEBPVP8X' &&
    (bytes[20] & 0x02) !== 0
  );
}

/** The size limit of this file for its kind (static stickers have a smaller one). */
export function maxBytesOf(kind: MediaKind, bytes?: Buffer): number {
  if (kind === 'sticker' && bytes && !isAnimatedWebp(bytes)) {
    return STATIC_STICKER_MAX_BYTES;
  }
  return MEDIA_KINDS[kind].maxBytes;
}
