import type { IncomingMessage } from 'node:http';
import { v7 as uuidv7 } from 'uuid';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a caller's `X-Request-Id` when it is safe to echo and log, otherwise mints one. */
export function requestIdFor(raw: IncomingMessage): string {
  const incoming = raw.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : `req_${uuidv7()}`;
}
