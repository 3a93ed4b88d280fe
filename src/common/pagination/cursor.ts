import { AppException } from '../errors/app.exception';
import { Page } from './page';

/**
 * Cursors are opaque to clients: base64url JSON of the last row's sort key. Every list we serve
 * is ordered by a UUID v7 id (time-ordered), so the key is that id and each page is one index range scan.
 */
interface CursorPayload {
  v: 1;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, id } satisfies CursorPayload)).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPayload>;
    if (payload.v === 1 && typeof payload.id === 'string' && UUID.test(payload.id)) {
      return payload.id;
    }
  } catch {
    // fall through to the validation error below
  }
  throw AppException.validation('Invalid request: cursor is not a cursor this API returned', [
    { field: 'cursor', message: 'cursor is malformed; pass the nextCursor of a previous page' },
  ]);
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only tells whether more exist.
 */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeCursor(items[items.length - 1].id) : null;
  return new Page(items, limit, nextCursor);
}

/** For lists ordered by a timestamp then id (newest activity first): the last row's pair. */
export interface TimedKey {
  at: Date;
  id: string;
}

export function encodeTimedCursor(key: TimedKey): string {
  return Buffer.from(JSON.stringify({ v: 1, id: key.id, at: key.at.toISOString() })).toString('base64url');
}

export function decodeTimedCursor(cursor: string): TimedKey {
  const id = decodeCursor(cursor);
  const { at } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { at?: unknown };
  const time = typeof at === 'string' ? new Date(at) : undefined;
  if (!time || Number.isNaN(time.getTime())) {
    throw AppException.validation('Invalid request: cursor is not a cursor this API returned', [
      { field: 'cursor', message: 'cursor is malformed; pass the nextCursor of a previous page' },
    ]);
  }
  return { at: time, id };
}

/** `toPage` for timestamp-ordered lists. */
export function toTimedPage<T extends { id: string }>(rows: T[], limit: number, keyOf: (row: T) => Date): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > limit ? encodeTimedCursor({ at: keyOf(last), id: last.id }) : null;
  return new Page(items, limit, nextCursor);
}
