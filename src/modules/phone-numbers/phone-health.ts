import { PhoneNumber } from './phone-number.entity';

export type Capability = 'canReceiveMessages' | 'canSendMessages' | 'canSendTemplates';

export interface HealthReason {
  /** The capabilities this reason turns off. */
  capabilities: Capability[];
  code: 'WABA_DISCONNECTED' | 'NOT_REGISTERED' | 'ACCOUNT_BLOCKED' | 'ACCOUNT_RESTRICTED' | 'QUALITY_LOW';
  message: string;
}

export interface PhoneHealthAssessment {
  capabilities: Record<Capability, boolean>;
  reasons: HealthReason[];
}

const ALL: Capability[] = ['canReceiveMessages', 'canSendMessages', 'canSendTemplates'];
const BLOCKED_STATUSES = new Set(['BANNED', 'DELETED', 'MIGRATED']);
const NOT_REGISTERED_STATUSES = new Set(['PENDING', 'UNVERIFIED', 'DISCONNECTED', 'NOT_REGISTERED']);

/**
 * What a phone can do now, from its last snapshot, and why not. Meta's `status` must be CONNECTED
 * to message at all; a RESTRICTED account or a RED quality rating stops business-initiated
 * (template) sends, which would only lower quality further, while replies stay possible.
 */
export function assessPhoneHealth(phone: PhoneNumber, wabaConnected: boolean): PhoneHealthAssessment {
  const reasons: HealthReason[] = [];
  const status = phone.metaStatus?.toUpperCase() ?? null;

  if (!wabaConnected || phone.disconnectedAt) {
    reasons.push({ capabilities: ALL, code: 'WABA_DISCONNECTED', message: 'Its WABA is disconnected from OpenWABA' });
  }
  if (status && BLOCKED_STATUSES.has(status)) {
    reasons.push({ capabilities: ALL, code: 'ACCOUNT_BLOCKED', message: `Meta reports the number as ${status}` });
  } else if (!status || NOT_REGISTERED_STATUSES.has(status)) {
    reasons.push({
      capabilities: ALL,
      code: 'NOT_REGISTERED',
      message: `The number is not registered for Cloud API messaging (Meta status ${status ?? 'unknown'}); register it with its PIN`,
    });
  }
  if (status === 'RESTRICTED') {
    reasons.push({
      capabilities: ['canSendTemplates'],
      code: 'ACCOUNT_RESTRICTED',
      message: 'Meta restricted the number: it cannot start conversations (templates) until the restriction ends',
    });
  }
  if (phone.qualityRating?.toUpperCase() === 'RED') {
    reasons.push({
      capabilities: ['canSendTemplates'],
      code: 'QUALITY_LOW',
      message: 'Quality rating is RED (low): templates are held back until quality recovers',
    });
  }

  const off = new Set(reasons.flatMap((reason) => reason.capabilities));
  return {
    capabilities: {
      canReceiveMessages: !off.has('canReceiveMessages'),
      canSendMessages: !off.has('canSendMessages'),
      canSendTemplates: !off.has('canSendTemplates'),
    },
    reasons,
  };
}
