import type { SandboxPhoneNumber } from '../types';

export interface WabaRecord {
  id: string;
  name: string;
  /** Tokens that may act on this WABA; provisioning again with a new token adds it. */
  accessTokens: Set<string>;
  currency: string;
  timezoneId: string;
  templateNamespace: string;
  accountReviewStatus: string;
  subscribed: boolean;
  /** Set through `subscribed_apps`; wins over the sandbox's webhook URL for this WABA. */
  overrideCallbackUri?: string;
}

/** A phone number as the sandbox keeps it: what `createPhoneNumber` returns, plus Meta-side settings. */
export interface PhoneRecord extends SandboxPhoneNumber {
  /** The two-step verification PIN, set by the first registration. */
  pin?: string;
  /** Set through `POST /{phone}` webhook_configuration; wins over every other callback for `messages`. */
  overrideCallbackUri?: string;
  onboardedAt: Date;
}

export type TemplateStatus = 'APPROVED' | 'PENDING' | 'REJECTED' | 'PAUSED' | 'DISABLED';

/** A template component as Meta stores it: upper-case `type` and `format`, otherwise as created. */
export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface TemplateRecord {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  category: string;
  status: TemplateStatus;
  parameterFormat: 'POSITIONAL' | 'NAMED';
  components: TemplateComponent[];
  rejectedReason: string;
}

export interface MediaRecord {
  id: string;
  phoneNumberId: string;
  wabaId: string;
  mimeType: string;
  bytes: Buffer;
  sha256: Buffer;
  filename?: string;
}

/** Any object a Graph path can name, with the WABA whose tokens may touch it. */
export type GraphNode =
  | { kind: 'waba'; wabaId: string; waba: WabaRecord }
  | { kind: 'phone'; wabaId: string; phone: PhoneRecord }
  | { kind: 'template'; wabaId: string; template: TemplateRecord }
  | { kind: 'media'; wabaId: string; media: MediaRecord };
