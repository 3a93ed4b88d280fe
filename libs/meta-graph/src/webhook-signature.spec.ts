import { createHmac } from 'node:crypto';
import { signWebhookPayload, verifyWebhookSignature } from './webhook-signature';

const secret = 'app-secret';
const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

describe('webhook signatures', () => {
  it('signs as sha256=<hex HMAC of the raw body>', () => {
    const hex = createHmac('sha256', secret).update(body).digest('hex');
    expect(signWebhookPayload(body, secret)).toBe(`sha256=${hex}`);
    expect(signWebhookPayload(body.toString(), secret)).toBe(`sha256=${hex}`);
  });

  it('verifies a round trip, from a Buffer or a string, with an upper-case hex digest', () => {
    const header = signWebhookPayload(body, secret);
    expect(verifyWebhookSignature(body, header, secret)).toBe(true);
    expect(verifyWebhookSignature(body.toString(), header, secret)).toBe(true);
    expect(verifyWebhookSignature(body, `sha256=${header.slice(7).toUpperCase()}`, secret)).toBe(true);
  });

  it('rejects a tampered body', () => {
    const header = signWebhookPayload(body, secret);
    expect(verifyWebhookSignature(Buffer.from(body.toString().replace('[]', '[{}]')), header, secret)).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyWebhookSignature(body, signWebhookPayload(body, 'other-secret'), secret)).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['without prefix', createHmac('sha256', secret).update(body).digest('hex')],
    ['sha1', `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`],
    ['too short', 'sha256=abcd'],
    ['not hex', `sha256=${'z'.repeat(64)}`],
  ])('returns false for a %s header', (_label, header) => {
    expect(verifyWebhookSignature(body, header, secret)).toBe(false);
  });

  it('returns false instead of throwing on an empty secret', () => {
    expect(verifyWebhookSignature(body, signWebhookPayload(body, 'x'), '')).toBe(false);
  });
});
