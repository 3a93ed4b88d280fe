import { generateSecret, sign, signedHeaders, verify, WebhookVerificationError } from './index';

describe('webhook-signature', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'message.received' });
  const now = new Date('2026-11-24T12:00:00Z');

  it('signs what verify accepts, and generates whsec_ secrets of 32 bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(() => verify(secret, signedHeaders([secret], 'msg_1', body, now), body, { now })).not.toThrow();
  });

  it('matches the Standard Webhooks reference vector', () => {
    // From the Standard Webhooks specification's examples.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const payload = '{"test": 2432232314}';
    expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, payload)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('refuses a wrong secret, a changed body, an old timestamp and missing headers', () => {
    const secret = generateSecret();
    const headers = signedHeaders([secret], 'msg_1', body, now);
    expect(() => verify(generateSecret(), headers, body, { now })).toThrow(WebhookVerificationError);
    expect(() => verify(secret, headers, `${body} `, { now })).toThrow(WebhookVerificationError);
    expect(() => verify(secret, headers, body, { now: new Date(now.getTime() + 6 * 60_000) })).toThrow('tolerance');
    expect(() => verify(secret, { 'webhook-id': 'msg_1' }, body, { now })).toThrow('Missing');
  });

  it('accepts either secret while a rotation sends both signatures', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const headers = signedHeaders([newSecret, oldSecret], 'msg_2', body, now);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => verify(oldSecret, headers, body, { now })).not.toThrow();
    expect(() => verify(newSecret, headers, body, { now })).not.toThrow();
  });
});
