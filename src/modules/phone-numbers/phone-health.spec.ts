import { assessPhoneHealth } from './phone-health';
import { PhoneNumber } from './phone-number.entity';

const phone = (patch: Partial<PhoneNumber> = {}) =>
  Object.assign(new PhoneNumber(), { metaStatus: 'CONNECTED', qualityRating: 'GREEN', disconnectedAt: null, ...patch });

describe('assessPhoneHealth', () => {
  it('gives a registered, GREEN phone of a connected WABA every capability', () => {
    expect(assessPhoneHealth(phone(), true)).toEqual({
      capabilities: { canReceiveMessages: true, canSendMessages: true, canSendTemplates: true },
      reasons: [],
    });
  });

  it.each(['PENDING', 'UNVERIFIED', 'DISCONNECTED', null])('turns everything off for Meta status %s', (metaStatus) => {
    const health = assessPhoneHealth(phone({ metaStatus }), true);
    expect(health.capabilities).toEqual({ canReceiveMessages: false, canSendMessages: false, canSendTemplates: false });
    expect(health.reasons.map((r) => r.code)).toEqual(['NOT_REGISTERED']);
  });

  it('holds templates back at RED quality but keeps replies', () => {
    const health = assessPhoneHealth(phone({ qualityRating: 'RED' }), true);
    expect(health.capabilities).toEqual({ canReceiveMessages: true, canSendMessages: true, canSendTemplates: false });
    expect(health.reasons).toEqual([
      expect.objectContaining({ code: 'QUALITY_LOW', capabilities: ['canSendTemplates'] }),
    ]);
  });

  it('stops business-initiated sends for a RESTRICTED number', () => {
    const health = assessPhoneHealth(phone({ metaStatus: 'RESTRICTED' }), true);
    expect(health.capabilities.canSendTemplates).toBe(false);
    expect(health.capabilities.canSendMessages).toBe(true);
  });

  it('turns everything off for a banned number or a disconnected WABA', () => {
    expect(assessPhoneHealth(phone({ metaStatus: 'BANNED' }), true).reasons.map((r) => r.code)).toEqual([
      'ACCOUNT_BLOCKED',
    ]);
    const disconnected = assessPhoneHealth(phone(), false);
    expect(Object.values(disconnected.capabilities)).toEqual([false, false, false]);
    expect(disconnected.reasons.map((r) => r.code)).toEqual(['WABA_DISCONNECTED']);
  });
});
