import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** The `X-Hub-Signature-256` value Meta sends: `sha256=<hex HMAC-SHA256 of the raw body keyed by the app secret>`. */
export function signWebhookPayload(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** Checks `X-Hub-Signature-256` against the raw body bytes in constant time; false (never a throw) on any doubt. */
export function verifyWebhookSignature(
  rawBody: Buffer | string,
  header: string | undefined,
  appSecret: string,
): boolean {
  try {
    const match = typeof header === 'string' ? SIGNATURE.exec(header.trim()) : null;
    if (!match || !appSecret) {
      return false;
    }
    const expected = createHmac('sha256', appSecret).update(rawBody).digest();
    return timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
  } catch {
    return false;
  }
}
