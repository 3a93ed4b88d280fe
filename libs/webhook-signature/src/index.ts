import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (v1) symmetric signatures, as OpenWABA sends them and as receivers verify them:
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}")>`,
 * several space-separated during a secret rotation.
 */
export const SECRET_PREFIX = 'whsec_';
/** Receivers refuse timestamps further than this from their clock (replay protection). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

/** The three headers for one attempt; every secret given signs (rotation sends old and new). */
export function signedHeaders(secrets: string[], id: string, body: string, now = new Date()): WebhookHeaders {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => sign(secret, id, timestamp, body)).join(' '),
  };
}

export class WebhookVerificationError extends Error {}

/**
 * Checks a received webhook: the timestamp is within `toleranceSeconds` of now and one of the
 * `v1` signatures matches. Throws WebhookVerificationError otherwise; compares in constant time.
 */
export function verify(
  secret: string,
  headers: Partial<Record<keyof WebhookHeaders, string | string[] | undefined>>,
  body: string,
  { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = new Date() } = {},
): void {
  const value = (name: keyof WebhookHeaders) => {
    const header = headers[name];
    return Array.isArray(header) ? header[0] : header;
  };
  const id = value('webhook-id');
  const timestamp = Number(value('webhook-timestamp'));
  const signatures = value('webhook-signature');
  if (!id || !Number.isInteger(timestamp) || !signatures) {
    throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature');
  }
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) {
    throw new WebhookVerificationError('webhook-timestamp is outside the tolerance');
  }
  const expected = Buffer.from(sign(secret, id, timestamp, body).slice(3));
  const match = signatures.split(' ').some((candidate) => {
    const [version, signature] = candidate.split(',');
    const given = Buffer.from(signature ?? '');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!match) {
    throw new WebhookVerificationError('No webhook-signature matches');
  }
}
