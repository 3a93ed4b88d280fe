import type { PhoneRecord, TemplateRecord, WabaRecord } from '../state/records';

/** Every field the sandbox serves for a phone number, as Meta names them. */
export function phoneFields(phone: PhoneRecord, callback: string | undefined): Record<string, unknown> {
  return {
    id: phone.id,
    display_phone_number: phone.displayPhoneNumber,
    verified_name: phone.verifiedName,
    quality_rating: phone.qualityRating,
    code_verification_status: phone.codeVerificationStatus,
    name_status: phone.nameStatus,
    status: phone.status,
    platform_type: phone.registered ? 'CLOUD_API' : 'NOT_APPLICABLE',
    throughput: { level: phone.registered ? phone.throughputLevel : 'NOT_APPLICABLE' },
    messaging_limit_tier: phone.messagingLimitTier,
    whatsapp_business_manager_messaging_limit: phone.messagingLimitTier,
    account_mode: 'LIVE',
    is_official_business_account: false,
    is_on_biz_app: false,
    last_onboarded_time: phone.onboardedAt.toISOString().replace(/\.\d{3}Z$/, '+0000'),
    country_code: 'US',
    country_dial_code: '1',
    webhook_configuration: {
      ...(callback !== undefined && { application: callback }),
      ...(phone.overrideCallbackUri !== undefined && { phone_number: phone.overrideCallbackUri }),
    },
    health_status: undefined,
    certificate: undefined,
    new_name_status: undefined,
  };
}
export const PHONE_DEFAULT_FIELDS = ['id', 'display_phone_number', 'verified_name', 'quality_rating'];

export function wabaFields(waba: WabaRecord): Record<string, unknown> {
  return {
    id: waba.id,
    name: waba.name,
    currency: waba.currency,
    timezone_id: waba.timezoneId,
    message_template_namespace: waba.templateNamespace,
    account_review_status: waba.accountReviewStatus,
    business_verification_status: 'not_verified',
    ownership_type: 'CLIENT_OWNED',
    country: 'US',
    health_status: undefined,
    whatsapp_business_manager_messaging_limit: 'TIER_250',
  };
}
export const WABA_DEFAULT_FIELDS = ['id', 'name', 'currency', 'timezone_id', 'message_template_namespace'];

export function templateFields(template: TemplateRecord): Record<string, unknown> {
  return {
    id: template.id,
    name: template.name,
    language: template.language,
    status: template.status,
    category: template.category,
    components: template.components,
    parameter_format: template.parameterFormat,
    rejected_reason: template.rejectedReason,
    sub_category: undefined,
    quality_score: { score: 'UNKNOWN' },
  };
}
export const TEMPLATE_DEFAULT_FIELDS = [
  'id',
  'name',
  'language',
  'status',
  'category',
  'components',
  'parameter_format',
];
