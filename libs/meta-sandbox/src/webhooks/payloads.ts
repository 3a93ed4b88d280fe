import type { WebhookErrorObject } from '../graph/graph-error';
import { digitsOf, unixSeconds } from '../state/ids';
import type { PhoneRecord, TemplateRecord } from '../state/records';
import type { CustomerRecord } from '../state/sandbox-state';

/** The envelope every WhatsApp webhook shares; `entry[].id` is the WABA. */
export function envelope(wabaId: string, field: string, value: Record<string, unknown>, withTime = false) {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: wabaId, ...(withTime && { time: Number(unixSeconds()) }), changes: [{ field, value }] }],
  };
}

function metadata(phone: PhoneRecord) {
  return { display_phone_number: digitsOf(phone.displayPhoneNumber), phone_number_id: phone.id };
}

/** `contacts[]` as 2026 payloads carry it: wa_id only when the phone is known, always the BSUID. */
function contactOf(customer: CustomerRecord, withUsername: boolean) {
  const profile = {
    ...(customer.profileName !== undefined && { name: customer.profileName }),
    ...(withUsername && customer.username !== undefined && { username: customer.username }),
  };
  return {
    ...(Object.keys(profile).length > 0 && { profile }),
    ...(customer.waId !== undefined && { wa_id: customer.waId }),
    user_id: customer.userId,
  };
}

export function inboundMessagesPayload(phone: PhoneRecord, customer: CustomerRecord, message: Record<string, unknown>) {
  const contacts = message.type === 'system' ? {} : { contacts: [contactOf(customer, true)] };
  return envelope(phone.wabaId, 'messages', {
    messaging_product: 'whatsapp',
    metadata: metadata(phone),
    ...contacts,
    messages: [message],
  });
}

export type PricingCategory = 'marketing' | 'utility' | 'authentication' | 'service';

export interface StatusInput {
  messageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  customer: CustomerRecord;
  /** False when the message was sent to a BSUID: Meta then omits `recipient_id`. */
  phoneKnown: boolean;
  pricing?: { category: PricingCategory; type: 'regular' | 'free_customer_service' };
  bizOpaqueCallbackData?: string;
  error?: WebhookErrorObject;
}

/** A status as one change of a `messages` webhook (a payload may carry many). */
export function statusChange(phone: PhoneRecord, input: StatusInput) {
  const failed = input.status === 'failed';
  const status = {
    id: input.messageId,
    status: input.status,
    timestamp: unixSeconds(),
    ...(input.phoneKnown && input.customer.waId !== undefined && { recipient_id: input.customer.waId }),
    ...(!(failed && input.phoneKnown) && { recipient_user_id: input.customer.userId }),
    ...(input.bizOpaqueCallbackData !== undefined && { biz_opaque_callback_data: input.bizOpaqueCallbackData }),
    ...(input.pricing && {
      pricing: { billable: input.pricing.type === 'regular', pricing_model: 'PMP', ...input.pricing },
    }),
    ...(input.error && { errors: [input.error] }),
  };
  return {
    wabaId: phone.wabaId,
    change: {
      field: 'messages',
      value: {
        messaging_product: 'whatsapp',
        metadata: metadata(phone),
        ...(!failed && { contacts: [contactOf(input.customer, input.status !== 'sent')] }),
        statuses: [status],
      },
    },
  };
}

export function templateStatusPayload(template: TemplateRecord, event: string, reason: string | null) {
  return envelope(
    template.wabaId,
    'message_template_status_update',
    {
      event,
      message_template_id: Number(template.id),
      message_template_name: template.name,
      message_template_language: template.language,
      message_template_category: template.category,
      reason,
    },
    true,
  );
}
